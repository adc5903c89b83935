import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { type DeviceCredentials, startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { connectPacket, type ProtocolVersion, RawMqtt, rawSession } from "../helpers/raw-mqtt.ts";
import { messagesSeen, reading, storedValues } from "../helpers/readings.ts";

interface Case {
  readonly name: string;
  /** Connects (or not) and writes the bad bytes; the connection must then be closed by the hub. */
  readonly send: (
    t: TestContext,
    url: string,
    creds: DeviceCredentials,
    version: ProtocolVersion,
  ) => Promise<RawMqtt>;
}

const publishOf = (topic: string, payload: string) =>
  ({ cmd: "publish", topic, payload, qos: 1, messageId: 1, retain: false, dup: false }) as const;

/** A packet's bytes with its first byte (type and flags) replaced. */
function withFirstByte(bytes: Buffer, first: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[0] = first;
  return copy;
}

const cases: readonly Case[] = [
  {
    name: "a remaining length of five continuation bytes",
    async send(t, url, creds, version) {
      const raw = await rawSession(t, url, version, creds);
      raw.write(Buffer.from([0x32, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00]));
      return raw;
    },
  },
  {
    name: "SUBSCRIBE with reserved flags 0b0000 instead of 0b0010",
    async send(t, url, creds, version) {
      const raw = await rawSession(t, url, version, creds);
      const subscribe = raw.encode({
        cmd: "subscribe",
        messageId: 1,
        subscriptions: [{ topic: `aiida/${creds.id}/feedback`, qos: 1 }],
      });
      raw.write(withFirstByte(subscribe, 0x80));
      return raw;
    },
  },
  {
    name: "PUBREL with reserved flags 0b0000 instead of 0b0010",
    async send(t, url, creds, version) {
      const raw = await rawSession(t, url, version, creds);
      raw.write(withFirstByte(raw.encode({ cmd: "pubrel", messageId: 1 }), 0x60));
      return raw;
    },
  },
  {
    name: "a PUBLISH whose topic is invalid UTF-8",
    async send(t, url, creds, version) {
      const raw = await rawSession(t, url, version, creds);
      // The own topic plus one character, which is then made a byte that is never UTF-8.
      const bytes = raw.encode(publishOf(`${creds.topic}X`, reading(1)));
      const at = bytes.indexOf(Buffer.from(`${creds.topic}X`)) + creds.topic.length;
      bytes[at] = 0xff;
      raw.write(bytes);
      return raw;
    },
  },
  {
    name: "a PUBLISH to a topic with a wildcard",
    async send(t, url, creds, version) {
      const raw = await rawSession(t, url, version, creds);
      raw.send(publishOf(`aiida/${creds.id}/+`, reading(1)));
      return raw;
    },
  },
  {
    name: "a PUBLISH before CONNECT",
    async send(t, url, creds, version) {
      const raw = await RawMqtt.open(t, url, version);
      raw.send(publishOf(creds.topic, reading(1)));
      return raw;
    },
  },
  {
    name: "a second CONNECT",
    async send(t, url, creds, version) {
      const raw = await rawSession(t, url, version, creds);
      raw.send(connectPacket(version, creds), publishOf(creds.topic, reading(1)));
      return raw;
    },
  },
  {
    name: "a packet announcing far more than the largest message, of which only the header and a few bytes come",
    async send(t, url, creds, version) {
      const raw = await rawSession(t, url, version, creds);
      // 100 MiB announced (remaining length 0x06400000; the default largest message is 64 KiB), then the start of a PUBLISH: topic length and topic.
      const topic = Buffer.from(creds.topic);
      const topicLength = Buffer.from([topic.length >> 8, topic.length & 0xff]);
      raw.write(Buffer.concat([Buffer.from([0x30, 0x80, 0x80, 0x80, 0x32]), topicLength, topic]));
      return raw;
    },
  },
];

const VERSIONS: readonly { name: string; version: ProtocolVersion }[] = [
  { name: "MQTT 3.1.1", version: 4 },
  { name: "MQTT 5.0", version: 5 },
];

describe("a malformed packet closes its connection, stores nothing and disturbs no one else", () => {
  for (const { name: versionName, version } of VERSIONS) {
    for (const c of cases) {
      it(`${c.name} (${versionName})`, async (t) => {
        const hub = await startTestHub(t);
        const bystander = await hub.createDataSource({ name: "bystander" });
        const offender = await hub.createDataSource({ name: "offender" });
        const other = await connectDevice(t, hub.mqttUrl, bystander);

        const raw = await c.send(t, hub.mqttUrl, offender, version);
        // Nothing more is written: an announced body that never comes must not keep the connection open.
        assert.equal(await raw.closesWithin(5_000), true, "the hub closed the connection");

        await other.publishAsync(bystander.topic, reading(9), { qos: 1 });
        const get = (p: string) => hub.api("GET", p);
        assert.deepEqual(await storedValues(get, bystander.id), [9], "the other device is still served");
        assert.deepEqual(await storedValues(get, offender.id), [], "nothing of the offender's is stored");
        assert.equal(await messagesSeen(get, offender.id), 0);
        for (const p of raw.received) {
          assert.ok(!["puback", "pubrec", "suback"].includes(p.cmd), `nothing acknowledged (got ${p.cmd})`);
        }
      });
    }
  }
});
