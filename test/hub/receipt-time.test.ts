import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";

describe("messages without a timestamp", () => {
  it("50 sent quickly at QoS 1 are 50 records, each at its own hub-stamped time, and the counters agree", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.mqttUrl, creds);
    const sends = [];
    for (let i = 0; i < 50; i++) {
      const payload = JSON.stringify({ Quantity: [{ quantity: i, type: "2" }] });
      sends.push(device.publishAsync(creds.topic, payload, { qos: 1 }));
    }
    await Promise.all(sends); // every one acknowledged

    const page = await hub.api("GET", `/api/datasources/${creds.id}/records?limit=1000`);
    assert.equal(page.status, 200);
    const records: { timestamp: string; timestampSource: string; values: { value: number }[] }[] =
      page.body.records;
    assert.equal(records.length, 50);
    assert.ok(records.every((r) => r.timestampSource === "receipt"));
    assert.equal(new Set(records.map((r) => r.timestamp)).size, 50, "each record has its own time");
    assert.deepEqual(
      records.map((r) => r.values[0]?.value).sort((a, b) => (a ?? 0) - (b ?? 0)),
      Array.from({ length: 50 }, (_, i) => i),
      "every message's value is kept",
    );
    const stats = (await hub.api("GET", `/api/datasources/${creds.id}`)).body.stats;
    assert.deepEqual([stats.messagesAccepted, stats.valuesAccepted, stats.messagesRejected], [50, 50, 0]);
  });
});
