import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import Database from "better-sqlite3";
import { DATABASE_FILE } from "../../src/hub.ts";
import { type DeviceCredentials, startTestHub, TEST_BACKEND, type TestHub } from "../helpers/hub-harness.ts";
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

const iso = (ms: number) => new Date(ms).toISOString();

/** The buckets computed here from raw records, independently of the hub's SQL and rollups. */
async function expectedBuckets(hub: TestHub, id: string, from: number, to: number, bucketMs: number) {
  const page = await hub.api(
    "GET",
    `/api/datasources/${id}/records?limit=1000&from=${iso(from)}&to=${iso(to)}&obis=1-0:1.7.0`,
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
    `/api/datasources/${id}/records?bucket=${bucket}&from=${iso(from)}&to=${iso(to)}&obis=1-0:1.7.0`,
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.series[0]?.points ?? [];
}

async function rollUpEverything(hub: TestHub): Promise<void> {
  const writer = hub.hub.internals.storage().writer;
  while ((await writer.rollupStep(Date.now())).worked) {}
}

/** Publishes one power value at `ts` as a device of `creds`. */
async function publisher(t: TestContext, hub: TestHub, creds: DeviceCredentials) {
  const device = await connectDevice(t, hub.mqttUrl, creds);
  return (ts: number, value: number) =>
    device.publishAsync(
      creds.topic,
      JSON.stringify({ "dateAndOrTime.dateTime": iso(ts), Quantity: [{ quantity: value, type: "2" }] }),
      { qos: 1 },
    );
}

/** A connection of the test's own to the hub's database file, to look at and change what the hub cannot show. */
/** Tests that read or change the hub's SQLite file itself (test/storage covers the same on PostgreSQL). */
const SQLITE_FILE = { skip: TEST_BACKEND === "postgres" && "reads the hub's SQLite file" };

function openHubDatabase(t: TestContext, hub: TestHub): Database.Database {
  const db = new Database(join(hub.dataDir, DATABASE_FILE));
  db.pragma("busy_timeout = 5000");
  t.after(() => db.close());
  return db;
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

  it(
    "puts values before 1970 into their own buckets, and a late one for a rolled-up 1969 hour stops no rollup",
    SQLITE_FILE,
    async (t) => {
      const hub = await startTestHub(t);
      const unset = await hub.createDataSource({ name: "clock not set" });
      const other = await hub.createDataSource({ name: "other" });
      const publishUnset = await publisher(t, hub, unset);
      const publishOther = await publisher(t, hub, other);
      const midnight = Date.parse("1970-01-01T00:00:00Z");
      for (const [offset, value] of [
        [-30 * 60_000, 1],
        [-1, 2],
        [10 * 60_000, 3],
      ] as const) {
        await publishUnset(midnight + offset, value);
      }
      const from = midnight - 2 * HOUR;
      const to = midnight + 2 * HOUR - 1;
      const buckets = [
        { bucket: "1h", ms: HOUR },
        { bucket: "1m", ms: 60_000 },
      ];
      const chartsAgree = async (when: string) => {
        for (const b of buckets) {
          assert.deepEqual(
            await chart(hub, unset.id, from, to, b.bucket),
            await expectedBuckets(hub, unset.id, from, to, b.ms),
            `${b.bucket}, ${when}`,
          );
        }
      };
      await chartsAgree("raw");
      await rollUpEverything(hub);
      await chartsAgree("rolled up");

      await publishUnset(midnight - 15 * 60_000, 4); // late, for the rolled-up hour before 1970
      await publishOther(BASE, 5);
      await rollUpEverything(hub);
      await chartsAgree("late value recomputed");
      const db = openHubDatabase(t, hub);
      const watermark = db
        .prepare(
          "SELECT rolled_up_to AS upto FROM aiida_rollup_state JOIN data_source ON key = data_source_key WHERE id = ?",
        )
        .get(other.id) as { upto: number } | undefined;
      assert.ok(watermark && watermark.upto > BASE, "the other data source is rolled up too");
    },
  );

  it(
    "reports a data source whose rollup fails in its health, while the others are rolled up",
    SQLITE_FILE,
    async (t) => {
      const hub = await startTestHub(t);
      const broken = await hub.createDataSource({ name: "broken" });
      const fine = await hub.createDataSource({ name: "fine" });
      const recent = Date.now() - 2 * HOUR;
      await (await publisher(t, hub, broken))(recent, 1);
      await (await publisher(t, hub, fine))(recent, 2);
      const db = openHubDatabase(t, hub);
      // A real failure in the rollup's transaction, for one data source's rows only.
      db.exec(`CREATE TRIGGER refuse_broken BEFORE INSERT ON aiida_rollup_hour
      WHEN NEW.data_source_key = (SELECT key FROM data_source WHERE id = '${broken.id}')
      BEGIN SELECT RAISE(ABORT, 'broken rollup'); END`);
      await hub.hub.internals.rollUp();

      const health = await hub.api("GET", `/api/datasources/${broken.id}/health`);
      assert.equal(health.body.status, "WARNING");
      assert.match(health.body.reason, /hourly rollup fails: broken rollup/);
      assert.equal((await hub.api("GET", `/api/datasources/${fine.id}/health`)).body.status, "UP");
      const listed = (await hub.api("GET", `/api/datasources/${broken.id}`)).body.health;
      assert.equal(listed.status, "WARNING");
      const rolled = db
        .prepare(
          "SELECT count(*) AS n FROM aiida_rollup_hour JOIN data_source ON key = data_source_key WHERE id = ?",
        )
        .get(fine.id) as { n: number };
      assert.equal(rolled.n, 1, "the other data source is rolled up");
    },
  );
});
