import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { waitFor } from "../helpers/wait-for.ts";

describe("a flooding device", () => {
  it("at QoS 0 is rate limited with feedback while another device's messages are stored", async (t) => {
    const hub = await startTestHub(t, { config: { rateLimitPerSecond: "5" } });
    const flooder = await hub.createDataSource({ name: "flooder" });
    const calm = await hub.createDataSource({ name: "calm" });
    const flooding = await connectDevice(t, hub.mqttUrl, flooder);
    const calmDevice = await connectDevice(t, hub.mqttUrl, calm);
    // Recent readings: weeks-old ones would each get a feedback report about their age.
    const base = Date.now() - 3_600_000;
    const message = (i: number) =>
      JSON.stringify({
        "dateAndOrTime.dateTime": new Date(base + i * 1000).toISOString(),
        // Plausible kW (up to 3): a value out of range would get a report of its own.
        Quantity: [{ quantity: i / 100, type: "2" }],
      });
    for (let i = 0; i < 300; i++) flooding.publish(flooder.topic, message(i), { qos: 0 });
    await calmDevice.publishAsync(calm.topic, message(0), { qos: 1 });
    assert.equal((await hub.api("GET", `/api/datasources/${calm.id}/records/latest`)).status, 200);

    const stats = await waitFor(async () => {
      const s = (await hub.api("GET", `/api/datasources/${flooder.id}`)).body.stats;
      return s.messagesAccepted + s.messagesRejected === 300 ? s : undefined;
    }, "all 300 flood messages to be accounted for");
    assert.ok(stats.messagesRejected > 200, `most of the flood is rejected (${stats.messagesRejected})`);
    assert.ok(stats.messagesAccepted >= 10, `the burst allowance is stored (${stats.messagesAccepted})`);
    const feedback = (await hub.api("GET", `/api/datasources/${flooder.id}/feedback?limit=1`)).body;
    assert.match(feedback[0].problems[0].reason, /rate limit exceeded: at most 5 messages per second/);
  });

  it("at QoS 1 is slowed down, never dropped: every acknowledged message is stored", async (t) => {
    const hub = await startTestHub(t, { config: { rateLimitPerSecond: "100" } });
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.mqttUrl, creds);
    const base = Date.now() - 3_600_000;
    const sends = [];
    for (let i = 0; i < 600; i++) {
      const payload = {
        "dateAndOrTime.dateTime": new Date(base + i * 1000).toISOString(),
        Quantity: [{ quantity: i / 100, type: "2" }],
      };
      sends.push(device.publishAsync(creds.topic, JSON.stringify(payload), { qos: 1 }));
    }
    await Promise.all(sends);
    const stats = (await hub.api("GET", `/api/datasources/${creds.id}`)).body.stats;
    assert.deepEqual([stats.messagesAccepted, stats.messagesRejected], [600, 0]);
  });
});
