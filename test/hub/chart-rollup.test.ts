import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startTestHub, type TestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";

const HOUR = 3_600_000;
const BASE = Date.parse("2026-03-10T00:00:00Z");

interface Point {
  t: string;
  min: number;
  avg: number;
  max: number;
  last: number;
  count: number;
}

/** The buckets computed here from raw records, independently of the hub's SQL and rollups. */
async function expectedBuckets(hub: TestHub, id: string, from: number, to: number, bucketMs: number) {
  const page = await hub.api(
    "GET",
    `/api/datasources/${id}/records?limit=1000&from=${from}&to=${to}&obis=1-0:1.7.0`,
  );
  assert.equal(page.status, 200, JSON.stringify(page.body));
  const values = page.body.records
    .map((r: any) => ({ ts: Date.parse(r.timestamp), v: r.values[0].value as number }))
    .sort((a: { ts: number }, b: { ts: number }) => a.ts - b.ts);
  const buckets = new Map<number, number[]>();
  const lastTs = new Map<number, number>();
  for (const { ts, v } of values) {
    const b = Math.floor(ts / bucketMs) * bucketMs;
    buckets.set(b, [...(buckets.get(b) ?? []), v]);
    lastTs.set(b, v);
  }
  return [...buckets].map(([b, vs]) => ({
    t: new Date(b).toISOString(),
    min: Math.min(...vs),
    avg: vs.reduce((s, v) => s + v, 0) / vs.length,
    max: Math.max(...vs),
    last: lastTs.get(b),
    count: vs.length,
  }));
}

async function chart(hub: TestHub, id: string, from: number, to: number, bucket: string): Promise<Point[]> {
  const res = await hub.api(
    "GET",
    `/api/datasources/${id}/records?bucket=${bucket}&from=${from}&to=${to}&obis=1-0:1.7.0`,
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.series[0]?.points ?? [];
}

async function rollUpEverything(hub: TestHub): Promise<void> {
  const writer = hub.hub.internals.storage().writer;
  while (await writer.rollupStep(Date.now())) {}
}

describe("long-range charts read hourly rollups and agree with the raw data", () => {
  it("gives the same buckets before and after the rollup, at range edges, and when late data arrives", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.mqttUrl, creds);
    const publish = (ts: number, value: number) =>
      device.publishAsync(
        creds.topic,
        JSON.stringify({
          "dateAndOrTime.dateTime": new Date(ts).toISOString(),
          Quantity: [{ quantity: value, type: "2" }],
        }),
        { qos: 1 },
      );
    for (let i = 0; i < 30; i++) await publish(BASE + i * 10 * 60_000, (i * 7) % 11);

    const cases = [
      { from: BASE, to: BASE + 5 * HOUR - 1, bucket: "1h", ms: HOUR },
      { from: BASE, to: BASE + 5 * HOUR - 1, bucket: "2h", ms: 2 * HOUR },
      { from: BASE + 25 * 60_000, to: BASE + 4 * HOUR + 5 * 60_000, bucket: "1h", ms: HOUR },
    ];
    const before = [];
    for (const c of cases) {
      const points = await chart(hub, creds.id, c.from, c.to, c.bucket);
      assert.deepEqual(
        points,
        await expectedBuckets(hub, creds.id, c.from, c.to, c.ms),
        `raw ${c.bucket} from ${c.from}`,
      );
      before.push(points);
    }
    await rollUpEverything(hub);
    for (const [i, c] of cases.entries()) {
      assert.deepEqual(
        await chart(hub, creds.id, c.from, c.to, c.bucket),
        before[i],
        `rolled up ${c.bucket}`,
      );
    }

    await publish(BASE + HOUR + 5 * 60_000, 100); // late data in an hour that is already rolled up
    for (const c of cases) {
      assert.deepEqual(
        await chart(hub, creds.id, c.from, c.to, c.bucket),
        await expectedBuckets(hub, creds.id, c.from, c.to, c.ms),
        `late data, ${c.bucket}`,
      );
    }
    await rollUpEverything(hub);
    const hourly = await chart(hub, creds.id, BASE, BASE + 5 * HOUR - 1, "1h");
    assert.deepEqual(hourly, await expectedBuckets(hub, creds.id, BASE, BASE + 5 * HOUR - 1, HOUR));
    assert.equal(hourly[1]?.max, 100);

    const snapped = await hub.api(
      "GET",
      `/api/datasources/${creds.id}/records?bucket=100m&from=${BASE}&to=${BASE + 5 * HOUR - 1}`,
    );
    assert.equal(snapped.body.bucketMs, 2 * HOUR, "a bucket of 100 minutes snaps to whole hours");
  });
});
