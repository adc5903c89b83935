import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectPacket, type ProtocolVersion, RawMqtt, rawSession } from "../helpers/raw-mqtt.ts";
import { reading, storedValues, UNPARSABLE } from "../helpers/readings.ts";

const VERSIONS: readonly { name: string; version: ProtocolVersion }[] = [
  { name: "MQTT 3.1", version: 3 },
  { name: "MQTT 3.1.1", version: 4 },
  { name: "MQTT 5.0", version: 5 },
];

const feedbackOf = (id: string) => `aiida/${id}/feedback`;

describe("each control packet gets its answer at every MQTT version", () => {
  for (const { name, version } of VERSIONS) {
    it(`PUBLISH QoS 1 and 2, SUBSCRIBE, UNSUBSCRIBE, PINGREQ and DISCONNECT (${name})`, async (t) => {
      const hub = await startTestHub(t);
      const creds = await hub.createDataSource();
      const raw = await rawSession(t, hub.mqttUrl, version, creds);

      raw.send({
        cmd: "publish",
        topic: creds.topic,
        payload: reading(1),
        qos: 1,
        messageId: 1,
        retain: false,
        dup: false,
      });
      assert.equal((await raw.next("puback")).messageId, 1);
      raw.send({
        cmd: "publish",
        topic: creds.topic,
        payload: reading(2),
        qos: 2,
        messageId: 2,
        retain: false,
        dup: false,
      });
      assert.equal((await raw.next("pubrec")).messageId, 2);
      raw.send({ cmd: "pubrel", messageId: 2 });
      assert.equal((await raw.next("pubcomp")).messageId, 2);
      assert.deepEqual(await storedValues((p) => hub.api("GET", p), creds.id), [1, 2]);

      raw.send({ cmd: "subscribe", messageId: 3, subscriptions: [{ topic: feedbackOf(creds.id), qos: 1 }] });
      const suback = await raw.next("suback");
      assert.equal(suback.messageId, 3);
      assert.deepEqual(suback.granted, [1]);
      raw.send({
        cmd: "publish",
        topic: creds.topic,
        payload: UNPARSABLE,
        qos: 1,
        messageId: 4,
        retain: false,
        dup: false,
      });
      await raw.next("puback");
      const report = await raw.next("publish");
      assert.equal(report.topic, feedbackOf(creds.id));
      raw.send({ cmd: "puback", messageId: report.messageId as number });

      raw.send({ cmd: "unsubscribe", messageId: 5, unsubscriptions: [feedbackOf(creds.id)] });
      assert.equal((await raw.next("unsuback")).messageId, 5);
      // After UNSUBSCRIBE a new report goes to others only: a listening second connection gets it,
      // and a ping answered afterwards shows nothing was on its way to the first.
      const listener = await rawSession(t, hub.mqttUrl, version, creds);
      listener.send({
        cmd: "subscribe",
        messageId: 1,
        subscriptions: [{ topic: feedbackOf(creds.id), qos: 1 }],
      });
      await listener.next("suback");
      raw.send({
        cmd: "publish",
        topic: creds.topic,
        payload: UNPARSABLE,
        qos: 1,
        messageId: 6,
        retain: false,
        dup: false,
      });
      await raw.next("puback");
      await listener.next("publish");
      raw.send({ cmd: "pingreq" });
      await raw.next("pingresp");
      assert.deepEqual(
        raw.received.map((p) => p.cmd),
        [],
        "no report after UNSUBSCRIBE",
      );

      raw.send({ cmd: "disconnect" });
      assert.equal(await raw.closesWithin(5_000), true, "the hub closes the connection after DISCONNECT");
    });

    it(`a second connection of the same device with its client id takes the session over (${name})`, async (t) => {
      const hub = await startTestHub(t);
      const creds = await hub.createDataSource();
      const clientId = `meter-${creds.id.slice(0, 8)}`;
      const first = await rawSession(t, hub.mqttUrl, version, creds, { clientId });
      const second = await RawMqtt.open(t, hub.mqttUrl, version);
      second.send(connectPacket(version, creds, { clientId }));
      const connack = await second.next("connack");
      assert.equal(connack.reasonCode ?? connack.returnCode, 0);
      assert.equal(await first.closesWithin(5_000), true, "the old connection is closed");
      if (version === 5) {
        // MQTT 5 tells the old connection why: 0x8E session taken over.
        assert.equal((await first.next("disconnect", 0)).reasonCode, 0x8e);
      }
      second.send({
        cmd: "publish",
        topic: creds.topic,
        payload: reading(3),
        qos: 1,
        messageId: 1,
        retain: false,
        dup: false,
      });
      await second.next("puback");
      assert.deepEqual(await storedValues((p) => hub.api("GET", p), creds.id), [3]);
    });
  }
});
