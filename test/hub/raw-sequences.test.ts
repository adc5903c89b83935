import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectPacket, type ProtocolVersion, RawMqtt, rawSession } from "../helpers/raw-mqtt.ts";
import { reading, UNPARSABLE, waitForStored } from "../helpers/readings.ts";
import { waitFor } from "../helpers/wait-for.ts";

const VERSIONS: readonly { name: string; version: ProtocolVersion }[] = [
  { name: "MQTT 3.1", version: 3 },
  { name: "MQTT 3.1.1", version: 4 },
  { name: "MQTT 5.0", version: 5 },
];

describe("nothing a device sent in one go is lost", () => {
  for (const { name, version } of VERSIONS) {
    it(`stores a QoS 0 publish written in one write with its CONNECT and DISCONNECT (${name})`, async (t) => {
      const hub = await startTestHub(t);
      const creds = await hub.createDataSource();
      const raw = await RawMqtt.open(t, hub.mqttUrl, version);
      raw.send(
        connectPacket(version, creds),
        { cmd: "publish", topic: creds.topic, payload: reading(1), qos: 0, retain: false, dup: false },
        { cmd: "disconnect" },
      );
      await waitForStored((p) => hub.api("GET", p), creds.id, [1]);
    });

    it(`reports a bad QoS 0 publish written in one write with its CONNECT and DISCONNECT (${name})`, async (t) => {
      const hub = await startTestHub(t);
      const creds = await hub.createDataSource();
      const raw = await RawMqtt.open(t, hub.mqttUrl, version);
      raw.send(
        connectPacket(version, creds),
        { cmd: "publish", topic: creds.topic, payload: UNPARSABLE, qos: 0, retain: false, dup: false },
        { cmd: "disconnect" },
      );
      // Nobody listens on the feedback topic: the report kept for the REST API names the message.
      const reports = await waitFor(async () => {
        const res = await hub.api("GET", `/api/datasources/${creds.id}/feedback`);
        return res.body.length > 0 && res.body;
      }, "the report of the bad message");
      assert.equal(reports[0].status, "rejected");
      assert.equal(reports[0].problems[0].path, "$");
    });

    it(`stores a QoS 0 publish followed at once by the end of the socket (${name})`, async (t) => {
      const hub = await startTestHub(t);
      const creds = await hub.createDataSource();
      const raw = await rawSession(t, hub.mqttUrl, version, creds);
      raw.send({
        cmd: "publish",
        topic: creds.topic,
        payload: reading(2),
        qos: 0,
        retain: false,
        dup: false,
      });
      raw.end();
      await waitForStored((p) => hub.api("GET", p), creds.id, [2]);
    });

    it(`processes every publish pipelined before the CONNACK once the device is authenticated (${name})`, async (t) => {
      const hub = await startTestHub(t);
      const creds = await hub.createDataSource();
      const raw = await RawMqtt.open(t, hub.mqttUrl, version);
      raw.send(
        connectPacket(version, creds),
        { cmd: "publish", topic: creds.topic, payload: reading(1), qos: 0, retain: false, dup: false },
        {
          cmd: "publish",
          topic: creds.topic,
          payload: reading(2),
          qos: 1,
          messageId: 1,
          retain: false,
          dup: false,
        },
        {
          cmd: "publish",
          topic: creds.topic,
          payload: reading(3),
          qos: 2,
          messageId: 2,
          retain: false,
          dup: false,
        },
        {
          cmd: "publish",
          topic: creds.topic,
          payload: reading(4),
          qos: 1,
          messageId: 3,
          retain: false,
          dup: false,
        },
      );
      const connack = await raw.next("connack");
      assert.equal(connack.reasonCode ?? connack.returnCode, 0);
      const acked = [(await raw.next("puback")).messageId, (await raw.next("puback")).messageId].sort();
      assert.deepEqual(acked, [1, 3]);
      assert.equal((await raw.next("pubrec")).messageId, 2);
      raw.send({ cmd: "pubrel", messageId: 2 });
      assert.equal((await raw.next("pubcomp")).messageId, 2);
      await waitForStored((p) => hub.api("GET", p), creds.id, [1, 2, 3, 4]);
    });

    it(`stores a QoS 2 message sent twice under one packet id (dup before PUBREL) once (${name})`, async (t) => {
      const hub = await startTestHub(t);
      const creds = await hub.createDataSource();
      const raw = await rawSession(t, hub.mqttUrl, version, creds);
      // No timestamp: the hub stamps each message it processes with its own receipt time, so a
      // duplicate that were processed again would become a second record instead of merging.
      const payload = JSON.stringify({ Quantity: [{ quantity: 5, type: "2" }] });
      const publish = {
        cmd: "publish",
        topic: creds.topic,
        payload,
        qos: 2,
        messageId: 7,
        retain: false,
      } as const;
      raw.send({ ...publish, dup: false });
      assert.equal((await raw.next("pubrec")).messageId, 7);
      raw.send({ ...publish, dup: true });
      assert.equal((await raw.next("pubrec")).messageId, 7);
      raw.send({ cmd: "pubrel", messageId: 7 });
      assert.equal((await raw.next("pubcomp")).messageId, 7);
      // A later message under the same id after PUBCOMP is a new message: it shows the first is done.
      raw.send({ ...publish, payload: reading(6), dup: false });
      assert.equal((await raw.next("pubrec")).messageId, 7);
      raw.send({ cmd: "pubrel", messageId: 7 });
      assert.equal((await raw.next("pubcomp")).messageId, 7);
      await waitForStored((p) => hub.api("GET", p), creds.id, [5, 6]);
      const page = await hub.api("GET", `/api/datasources/${creds.id}/records?limit=10`);
      assert.equal(page.body.records.length, 2, "the duplicate added no record");
    });
  }
});

describe("idle connections are closed", () => {
  for (const { name, version } of VERSIONS) {
    it(`disconnects a client with keep-alive 1 s that sends nothing after about 1.5 s, not before 1 s (${name})`, async (t) => {
      const hub = await startTestHub(t);
      const creds = await hub.createDataSource();
      const raw = await rawSession(t, hub.mqttUrl, version, creds, { keepalive: 1 });
      const since = Date.now();
      assert.equal(await raw.closesWithin(5_000), true, "closed within 5 s");
      const after = Date.now() - since;
      assert.ok(after >= 1_000, `closed after ${after} ms: not before the keep-alive of 1 s ran out`);
    });

    it(`keeps a client with keep-alive 1 s that sends PINGREQ connected (${name})`, async (t) => {
      const hub = await startTestHub(t);
      const creds = await hub.createDataSource();
      const raw = await rawSession(t, hub.mqttUrl, version, creds, { keepalive: 1 });
      // Four pings 0.7 s apart span 2.8 s, well past 1.5 × the keep-alive.
      for (let i = 0; i < 4; i++) {
        assert.equal(await raw.closesWithin(700), false, `still open before ping ${i + 1}`);
        raw.send({ cmd: "pingreq" });
        await raw.next("pingresp", 2_000);
      }
    });
  }

  it("closes a connection that never sends CONNECT within 30 s", async (t) => {
    const hub = await startTestHub(t);
    const raw = await RawMqtt.open(t, hub.mqttUrl, 4);
    assert.equal(await raw.closesWithin(30_000), true, "closed by the CONNECT deadline");
  });
});
