import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { obisByCode } from "../../src/domain/obis-code.ts";
import type { IngestOutcome } from "../../src/storage/ports.ts";
import { startTestHub, type TestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";

const BASE = Date.parse("2026-01-01T00:00:00Z");
const STEP_MS = 3000;
/** Enough 3-second records (a week, two values each) that a chart over raw values takes a few hundred ms. */
const RECORDS = 200_000;

/** Loads RECORDS records through the storage layer's writer, in batches as the ingest path writes them. */
async function loadRecords(hub: TestHub, dataSourceId: string): Promise<void> {
  const energy = obisByCode("1-0:1.8.0");
  const power = obisByCode("1-0:1.7.0");
  if (!energy || !power) throw new Error("OBIS catalogue");
  const writer = hub.hub.internals.storage().writer;
  for (let first = 0; first < RECORDS; first += 10_000) {
    const batch: IngestOutcome[] = [];
    for (let i = first; i < Math.min(RECORDS, first + 10_000); i++) {
      const timestamp = BASE + i * STEP_MS;
      const values = [
        { obis: energy, rawTag: "TOTAL_ACTIVE_ENERGY_CONSUMED_KWH", value: i, quality: "AS_PROVIDED" },
        { obis: power, rawTag: "TOTAL_ACTIVE_POWER_KW", value: i % 7, quality: "AS_PROVIDED" },
      ];
      const record = {
        dataSourceId,
        timestamp,
        timestampSource: "device" as const,
        receivedAt: timestamp,
        values,
      };
      batch.push({ dataSourceId, record, feedback: undefined, valuesRejected: 0 });
    }
    await writer.write(batch);
  }
}

describe("record reads run on the reader thread", () => {
  it("keeps acknowledging device messages while a long chart query runs", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    await loadRecords(hub, creds.id);
    const device = await connectDevice(t, hub.mqttUrl, creds);

    // 61 s buckets are not whole hours, so the chart reads all 400,000 raw values.
    const to = BASE + (RECORDS - 1) * STEP_MS;
    let chartArrived = false;
    const chart = hub
      .api("GET", `/api/datasources/${creds.id}/records?bucket=61s&from=${BASE}&to=${to}`)
      .then((res) => {
        chartArrived = true;
        return res;
      });
    // publishAsync resolves on the PUBACK, which the main thread sends only after the message is
    // committed. Were the query on the main thread, the chart would arrive first: one publish might
    // slip in before the request is read, but not three in a row.
    for (let i = 0; i < 3; i++) {
      const payload = {
        "dateAndOrTime.dateTime": new Date().toISOString(),
        Quantity: [{ quantity: i, type: "2" }],
      };
      await device.publishAsync(creds.topic, JSON.stringify(payload), { qos: 1 });
      assert.equal(chartArrived, false, `the PUBACK of publish ${i + 1} waited for the chart query`);
    }

    const res = await chart;
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.series.map((s: any) => s.dataTag),
      ["1-0:1.8.0", "1-0:1.7.0"],
    );
    for (const s of res.body.series) {
      assert.equal(
        s.points.reduce((sum: number, p: any) => sum + p.count, 0),
        RECORDS,
        `${s.dataTag}: every value counted once`,
      );
    }
  });

  it("reads a data source created after the start at once, and a deleted one as not found", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource(); // the reader thread started before this source existed
    const device = await connectDevice(t, hub.mqttUrl, creds);
    // No timestamp: stored at the receipt time, with a feedback report that says so.
    await device.publishAsync(creds.topic, JSON.stringify({ Quantity: [{ quantity: 42, type: "2" }] }), {
      qos: 1,
    });

    const base = `/api/datasources/${creds.id}`;
    const latest = await hub.api("GET", `${base}/records/latest`);
    assert.equal(latest.status, 200, JSON.stringify(latest.body));
    assert.equal(latest.body.values[0].value, 42);
    const page = await hub.api("GET", `${base}/records?limit=10`);
    assert.equal(page.body.records.length, 1);
    const series = await hub.api("GET", `${base}/records?bucket=1m`);
    assert.equal(series.body.series[0].points[0].last, 42);
    const feedback = await hub.api("GET", `${base}/feedback`);
    assert.equal(feedback.body.length, 1);
    assert.equal(feedback.body[0].status, "accepted-with-warnings");

    assert.equal((await hub.api("DELETE", base)).status, 204);
    for (const path of [
      `${base}/records/latest`,
      `${base}/records`,
      `${base}/records?bucket=1m`,
      `${base}/feedback`,
    ]) {
      const res = await hub.api("GET", path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.error.code, "NOT_FOUND", path);
    }
    // The records stay on disk until the retention job purges them; the store reads them as gone at once.
    const records = hub.hub.internals.storage().records;
    assert.equal(await records.latest(creds.id), undefined);
    assert.deepEqual(await records.query(creds.id, { limit: 10 }), []);
    assert.equal((await records.series(creds.id, 0, Date.now(), 60_000, undefined)).size, 0);
    assert.deepEqual(await records.feedback(creds.id, 10), []);
  });
});
