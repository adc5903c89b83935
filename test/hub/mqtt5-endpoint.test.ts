import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { IConnackPacket, IPublishPacket } from "mqtt-packet";
import { type DeviceCredentials, startTestHub, type TestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { connectPacket, RawMqtt, rawSession } from "../helpers/raw-mqtt.ts";
import { partialReading, reading, storedValues, UNPARSABLE, waitForStored } from "../helpers/readings.ts";

const feedbackOf = (id: string) => `aiida/${id}/feedback`;
const publishOf = (topic: string, payload: string, messageId: number): IPublishPacket => ({
  cmd: "publish",
  topic,
  payload,
  qos: 1,
  messageId,
  retain: false,
  dup: false,
});

/** Sends a v5 CONNECT and returns the CONNACK, whatever it says. */
async function connackFor(
  t: TestContext,
  hub: TestHub,
  credentials: Pick<DeviceCredentials, "id" | "password">,
  fields: Parameters<typeof connectPacket>[2] = {},
): Promise<IConnackPacket> {
  const raw = await RawMqtt.open(t, hub.mqttUrl, 5);
  raw.send(connectPacket(5, credentials, fields));
  return raw.next("connack");
}

describe("MQTT 5 CONNACK says why a connection is refused", () => {
  it("0x86 bad user name or password, with a reason string", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const connack = await connackFor(t, hub, { id: creds.id, password: `${creds.password}x` });
    assert.equal(connack.reasonCode, 0x86);
    assert.match(connack.properties?.reasonString ?? "", /password|user ?name/i);
  });

  it("0x87 not authorized for a disabled data source, with a reason string that says so", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    assert.equal((await hub.api("PATCH", `/api/datasources/${creds.id}`, { enabled: false })).status, 200);
    const connack = await connackFor(t, hub, creds);
    assert.equal(connack.reasonCode, 0x87);
    assert.match(connack.properties?.reasonString ?? "", /disabled/i);
  });

  it("0x85 client identifier not valid for another data source's client id, with a reason string", async (t) => {
    const hub = await startTestHub(t);
    const holder = await hub.createDataSource({ name: "holder" });
    const intruder = await hub.createDataSource({ name: "intruder" });
    const clientId = `aiida-pub-${holder.id}`;
    await connectDevice(t, hub.mqttUrl, holder, { clientId, protocolVersion: 5 });
    const connack = await connackFor(t, hub, intruder, { clientId });
    assert.equal(connack.reasonCode, 0x85);
    assert.match(connack.properties?.reasonString ?? "", /client ?id|identifier/i);
  });

  it("0x95 packet too large for a CONNECT above the maximum packet size, with a reason string", async (t) => {
    const hub = await startTestHub(t, { config: { maxPayloadBytes: "1024" } });
    const creds = await hub.createDataSource();
    // A will message of 1 MiB: far above any packet limit derived from a 1 KiB largest message.
    const connack = await connackFor(t, hub, creds, {
      will: { topic: creds.topic, payload: Buffer.alloc(1024 * 1024, 0x20), qos: 0, retain: false },
    });
    assert.equal(connack.reasonCode, 0x95);
    assert.match(connack.properties?.reasonString ?? "", /large|size|bytes/i);
  });

  it("ends a connection with DISCONNECT 0x95 on a PUBLISH header that announces more than the limit", async (t) => {
    const hub = await startTestHub(t, { config: { maxPayloadBytes: "1024" } });
    const creds = await hub.createDataSource();
    const raw = await rawSession(t, hub.mqttUrl, 5, creds);
    // Only the header of a PUBLISH of 1 MiB: the hub must not wait for the body it would refuse anyway.
    raw.write(raw.encode(publishOf(creds.topic, "x".repeat(1024 * 1024), 1)).subarray(0, 64));
    const disconnect = await raw.next("disconnect");
    assert.equal(disconnect.reasonCode, 0x95);
    assert.match(disconnect.properties?.reasonString ?? "", /at most \d+ bytes/);
    assert.equal(await raw.closesWithin(5_000), true);
  });

  it("announces Maximum Packet Size, Receive Maximum and Topic Alias Maximum in a successful CONNACK", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const connack = await connackFor(t, hub, creds);
    assert.equal(connack.reasonCode, 0);
    const props = connack.properties ?? {};
    assert.ok((props.maximumPacketSize ?? 0) >= 65_536, `maximumPacketSize ${props.maximumPacketSize}`);
    assert.ok((props.receiveMaximum ?? 0) >= 1, `receiveMaximum ${props.receiveMaximum}`);
    assert.ok((props.topicAliasMaximum ?? 0) >= 1, `topicAliasMaximum ${props.topicAliasMaximum}`);
  });
});

describe("an MQTT 5 PUBACK carries the validation outcome", () => {
  it("0x00 without a reason string when all was stored", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const raw = await rawSession(t, hub.mqttUrl, 5, creds);
    raw.send(publishOf(creds.topic, reading(1), 1));
    const puback = await raw.next("puback");
    assert.equal(puback.reasonCode ?? 0, 0);
    assert.equal(puback.properties?.reasonString, undefined);
    assert.deepEqual(await storedValues((p) => hub.api("GET", p), creds.id), [1]);
  });

  it("0x00 with a reason string naming the JSON path when only part was kept", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const raw = await rawSession(t, hub.mqttUrl, 5, creds);
    raw.send(publishOf(creds.topic, partialReading(2), 1));
    const puback = await raw.next("puback");
    assert.equal(puback.reasonCode ?? 0, 0);
    assert.match(puback.properties?.reasonString ?? "", /Quantity\[0\]\.type/);
    assert.deepEqual(await storedValues((p) => hub.api("GET", p), creds.id), [2]);
  });

  it("0x99 payload format invalid with a reason string when nothing was stored", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const raw = await rawSession(t, hub.mqttUrl, 5, creds);
    raw.send(publishOf(creds.topic, UNPARSABLE, 1));
    const puback = await raw.next("puback");
    assert.equal(puback.reasonCode, 0x99);
    assert.match(puback.properties?.reasonString ?? "", /JSON/i);
    assert.deepEqual(await storedValues((p) => hub.api("GET", p), creds.id), []);
  });

  it("0x97 quota exceeded at once for QoS 1 messages above the rate limit; the others are stored", async (t) => {
    const hub = await startTestHub(t, { config: { rateLimitPerSecond: "5" } });
    const creds = await hub.createDataSource();
    const raw = await RawMqtt.open(t, hub.mqttUrl, 5);
    raw.send(connectPacket(5, creds));
    const connack = await raw.next("connack");
    assert.equal(connack.reasonCode, 0);
    // As many as the hub lets be in flight, up to 60: at 5 per second, waiting would take 10 s or more.
    const count = Math.min(connack.properties?.receiveMaximum ?? 65_535, 60);
    // Bursts of twice the rate (10) pass; anything beyond must be refused, not held back.
    assert.ok(count > 10, `receiveMaximum ${connack.properties?.receiveMaximum} leaves room for a flood`);
    const ids = Array.from({ length: count }, (_, i) => i + 1);
    const started = Date.now();
    raw.send(...ids.map((id) => publishOf(creds.topic, reading(id), id)));
    const acks = [];
    for (const _ of ids) acks.push(await raw.next("puback", 5_000));
    assert.ok(Date.now() - started < 5_000, "every PUBACK came without waiting for the rate");
    const refused = acks.filter((a) => a.reasonCode === 0x97);
    const stored = acks.filter((a) => (a.reasonCode ?? 0) === 0).map((a) => a.messageId as number);
    assert.ok(refused.length > 0, "some of the flood was refused");
    assert.equal(refused.length + stored.length, count, "every PUBACK says stored or refused");
    for (const a of refused) assert.match(a.properties?.reasonString ?? "", /rate/i);
    await waitForStored((p) => hub.api("GET", p), creds.id, stored);
  });
});

describe("MQTT 5 limits the device announces are kept", () => {
  it("sends no QoS 1 report beyond the device's Receive Maximum until the earlier one is acknowledged", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const raw = await rawSession(t, hub.mqttUrl, 5, creds, { properties: { receiveMaximum: 1 } });
    raw.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: feedbackOf(creds.id), qos: 1 }] });
    await raw.next("suback");
    raw.send(publishOf(creds.topic, UNPARSABLE, 2), publishOf(creds.topic, "[1, 2]", 3));
    await raw.next("puback");
    await raw.next("puback");
    const first = await raw.next("publish");
    // A ping answered after both reports were made: the second must still be held back.
    raw.send({ cmd: "pingreq" });
    await raw.next("pingresp");
    assert.equal(raw.received.filter((p) => p.cmd === "publish").length, 0, "one report in flight at most");
    raw.send({ cmd: "puback", messageId: first.messageId as number });
    const second = await raw.next("publish");
    assert.equal(second.topic, feedbackOf(creds.id));
  });

  it("never sends a packet above the device's Maximum Packet Size, and keeps the connection", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    // 128 bytes: far less than any report.
    const raw = await rawSession(t, hub.mqttUrl, 5, creds, { properties: { maximumPacketSize: 128 } });
    raw.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: feedbackOf(creds.id), qos: 1 }] });
    await raw.next("suback");
    raw.send(publishOf(creds.topic, UNPARSABLE, 2));
    const puback = await raw.next("puback");
    assert.equal(puback.reasonCode, 0x99, "the outcome still reaches the device, in the PUBACK");
    raw.send({ cmd: "pingreq" });
    await raw.next("pingresp");
    assert.equal(
      raw.received.filter((p) => p.cmd === "publish").length,
      0,
      "the oversized report was not sent",
    );
    assert.equal(raw.closedNow, false);
  });
});

describe("MQTT 5 topic aliases", () => {
  it("stores a message that names its topic only by an alias set before", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const raw = await rawSession(t, hub.mqttUrl, 5, creds);
    raw.send({ ...publishOf(creds.topic, reading(1), 1), properties: { topicAlias: 1 } });
    assert.equal((await raw.next("puback")).reasonCode ?? 0, 0);
    raw.send({ ...publishOf("", reading(2), 2), properties: { topicAlias: 1 } });
    assert.equal((await raw.next("puback")).reasonCode ?? 0, 0);
    assert.deepEqual(await storedValues((p) => hub.api("GET", p), creds.id), [1, 2]);
  });
});

describe("MQTT 5 session expiry", () => {
  /** Subscribes `clientId` to its feedback under that expiry, leaves, and has another connection provoke a report. */
  async function leaveWithReportQueued(
    t: TestContext,
    hub: TestHub,
    creds: DeviceCredentials,
    clientId: string,
    expiry: number,
  ) {
    const first = await rawSession(t, hub.mqttUrl, 5, creds, {
      clientId,
      properties: { sessionExpiryInterval: expiry },
    });
    first.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: feedbackOf(creds.id), qos: 1 }] });
    assert.deepEqual((await first.next("suback")).granted, [1]);
    first.send({ cmd: "disconnect" });
    await first.closed;
    // A second connection of the same source sees the report too, so it has been published.
    const other = await rawSession(t, hub.mqttUrl, 5, creds);
    other.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: feedbackOf(creds.id), qos: 1 }] });
    await other.next("suback");
    other.send(publishOf(creds.topic, UNPARSABLE, 2));
    await other.next("puback");
    await other.next("publish");
    return other;
  }

  it("keeps the subscription and delivers the report queued meanwhile when the expiry is above 0", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const clientId = `keeps-${creds.id.slice(0, 8)}`;
    await leaveWithReportQueued(t, hub, creds, clientId, 300);
    const back = await RawMqtt.open(t, hub.mqttUrl, 5);
    back.send(
      connectPacket(5, creds, { clientId, clean: false, properties: { sessionExpiryInterval: 300 } }),
    );
    const connack = await back.next("connack");
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.sessionPresent, true);
    const queued = await back.next("publish");
    assert.equal(queued.topic, feedbackOf(creds.id));
    assert.equal(JSON.parse(String(queued.payload)).status, "rejected");
  });

  it("keeps nothing when the expiry is 0: no session, no queued report", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const clientId = `drops-${creds.id.slice(0, 8)}`;
    const other = await leaveWithReportQueued(t, hub, creds, clientId, 0);
    const back = await RawMqtt.open(t, hub.mqttUrl, 5);
    back.send(connectPacket(5, creds, { clientId, clean: false, properties: { sessionExpiryInterval: 0 } }));
    const connack = await back.next("connack");
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.sessionPresent, false);
    back.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: feedbackOf(creds.id), qos: 1 }] });
    await back.next("suback");
    // A new report after subscribing: the first publish this connection gets must be that one.
    const since = Date.now();
    other.send(publishOf(creds.topic, UNPARSABLE, 3));
    await other.next("puback");
    const first = await back.next("publish");
    assert.ok(Date.parse(JSON.parse(String(first.payload)).receivedAt) >= since - 1, "no report from before");
  });
});
