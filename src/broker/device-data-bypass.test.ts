import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:net";
import { test } from "node:test";
import { Aedes } from "aedes";
import mqtt, { type MqttClient } from "mqtt";
import { skipRoutingOfDeviceData } from "./device-data-bypass.ts";

/** A bare Aedes (anyone may subscribe to anything) with the bypass for topics ending in /data. */
async function startBroker(t: import("node:test").TestContext): Promise<{ url: string; aedes: Aedes }> {
  const aedes = await Aedes.createBroker();
  skipRoutingOfDeviceData(aedes, (topic) => topic.endsWith("/data"));
  const server = createServer((socket) => aedes.handle(socket));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  assert.ok(address && typeof address === "object");
  return { url: `mqtt://127.0.0.1:${address.port}`, aedes };
}

function nextMessage(client: MqttClient): Promise<[string, Buffer]> {
  return new Promise((resolve) => client.once("message", (topic, payload) => resolve([topic, payload])));
}

function nextTopic(client: MqttClient): Promise<string> {
  return nextMessage(client).then(([topic]) => topic);
}

test("device data is acknowledged without being routed, other topics still reach subscribers", async (t) => {
  const { url } = await startBroker(t);
  const subscriber = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  const device = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  t.after(() => Promise.all([subscriber.endAsync(true), device.endAsync(true)]));
  const received: string[] = [];
  subscriber.on("message", (topic) => received.push(topic));
  await subscriber.subscribeAsync("#", { qos: 1 });

  // QoS 1 resolves on PUBACK: the device's message counts as published.
  await device.publishAsync("aiida/a/data", "{}", { qos: 1 });
  await device.publishAsync("aiida/a/feedback", "{}", { qos: 1 });
  await device.publishAsync("aiida/a/data", "{}", { qos: 0 });
  const marker = nextTopic(subscriber);
  await device.publishAsync("aiida/a/last", "{}", { qos: 1 });
  await marker;
  // Aedes delivers one publisher's messages in order, so everything before the marker has arrived.
  assert.deepEqual(received, ["aiida/a/feedback", "aiida/a/last"]);
});

test("the broker's own publishes to a data topic are still routed", async (t) => {
  const { url, aedes } = await startBroker(t);
  const subscriber = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  t.after(() => subscriber.endAsync(true));
  await subscriber.subscribeAsync("aiida/+/data", { qos: 1 });
  const delivered = nextMessage(subscriber);
  // Only publishes that came over a connection skip routing; the broker's own go the normal way.
  aedes.publish(
    { cmd: "publish", topic: "aiida/b/data", payload: Buffer.from("x"), qos: 1, retain: false, dup: false },
    () => {},
  );
  const [topic, payload] = await delivered;
  assert.equal(topic, "aiida/b/data");
  assert.equal(payload.toString(), "x");
});
