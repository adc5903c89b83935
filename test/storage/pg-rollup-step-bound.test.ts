import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { obisByCode } from "../../src/domain/obis-code.ts";
import { PgHourlyRollup } from "../../src/storage/postgres/rollup.ts";
import { HOUR_MS } from "../../src/storage/sqlite/hour-summary.ts";
import { PostgresBackend, type Value } from "./rollup-backends.ts";

const HOUR_0 = Date.parse("2026-05-04T00:00:00Z");
const MINUTE = 60_000;
const IMPORT_TOTAL = obisByCode("1-0:1.8.0")?.key ?? 0;
const IMPORT_POWER = obisByCode("1-0:1.7.0")?.key ?? 0;
/** Small, so that a few hours of test data take several steps. */
const VALUES_PER_STEP = 60;
const NOW = HOUR_0 + 100 * HOUR_MS;

/**
 * Ten hours of two quantities every 5 minutes (24 values an hour), hour 5 also with a value every
 * 10 s (more than one step's limit on its own), then two lone values days later.
 */
function values(shift: number): Value[] {
  const all: Value[] = [];
  for (let t = HOUR_0; t < HOUR_0 + 10 * HOUR_MS; t += 5 * MINUTE) {
    all.push(
      [t + shift, IMPORT_TOTAL, (t - HOUR_0) / MINUTE + shift],
      [t + shift, IMPORT_POWER, 0.5 + shift],
    );
  }
  for (let t = HOUR_0 + 5 * HOUR_MS + 1000; t < HOUR_0 + 6 * HOUR_MS; t += 10_000) {
    all.push([t, IMPORT_POWER, (t % 7_000) / 1000]);
  }
  all.push([HOUR_0 + 40 * HOUR_MS + 1, IMPORT_TOTAL, 900], [HOUR_0 + 80 * HOUR_MS + 2, IMPORT_TOTAL, 950]);
  return all;
}

describe("PostgreSQL rollup steps bounded by value count", () => {
  const backend = new PostgresBackend();
  before(() => backend.start());
  after(() => backend.stop());

  test("each catch-up step reads at most its limit of values in whole hours, and the rows are those of one long step", async (t) => {
    const written = values(0);
    const reference = await backend.open(t, ["meter"]);
    await reference.write("meter", written);
    while ((await reference.step(NOW)).worked) {}
    const expected = await reference.hours("meter");
    assert.ok(expected.length > 20, `${expected.length} rows`);

    const hub = await backend.open(t, ["meter"]);
    await hub.write("meter", written);
    const rollup = new PgHourlyRollup(backend.pool, VALUES_PER_STEP);
    const watermarks: number[] = [];
    let from = Number.NEGATIVE_INFINITY;
    while ((await rollup.step(NOW)).worked) {
      const to = (await hub.watermark("meter")) ?? assert.fail("no watermark after a step");
      assert.equal(to % HOUR_MS, 0, "whole hours only");
      const read = written.filter(([ts]) => ts >= from && ts < to);
      const hours = new Set(read.map(([ts]) => Math.floor(ts / HOUR_MS)));
      assert.ok(
        read.length <= VALUES_PER_STEP || hours.size === 1,
        `a step took ${read.length} values in ${hours.size} hours`,
      );
      watermarks.push(to);
      from = to;
    }
    const hourAt = (n: number) => HOUR_0 + n * HOUR_MS;
    // Two hours of 24 values a step; hour 5 alone; the two lone values and the empty days in one step.
    assert.deepEqual(watermarks, [hourAt(2), hourAt(4), hourAt(5), hourAt(6), hourAt(8), hourAt(99)]);
    assert.deepEqual(await hub.hours("meter"), expected);
  });

  test("instances stepping at once with small steps roll every data source up exactly as one instance does", async (t) => {
    const ids = ["meter-0", "meter-1", "meter-2"];
    const reference = await backend.open(t, ids);
    for (const [i, id] of ids.entries()) await reference.write(id, values(i));
    while ((await reference.step(NOW)).worked) {}
    const expected = await Promise.all(ids.map((id) => reference.hours(id)));

    const hub = await backend.open(t, ids);
    for (const [i, id] of ids.entries()) await hub.write(id, values(i));
    const instances = Array.from({ length: 3 }, () => new PgHourlyRollup(backend.pool, VALUES_PER_STEP));
    const failing: [string, string][] = [];
    await Promise.all(
      instances.map(async (rollup) => {
        for (let step = await rollup.step(NOW); step.worked; step = await rollup.step(NOW)) {
          failing.push(...step.failing);
        }
      }),
    );
    assert.deepEqual(failing, []);
    assert.deepEqual(await Promise.all(ids.map((id) => hub.hours(id))), expected);
  });

  test("a bounded read takes its values in pages of records, and the hours come out whole and complete", async (t) => {
    const hub = await backend.open(t, ["meter"]);
    const key = (await backend.pool.query<{ key: number }>("SELECT key FROM data_source")).rows[0]?.key;
    // 5,000 records 3 s apart (4 h 10 min), two quantities each: more than one page of records per step.
    const records = 5000;
    await hub.write("meter", [[HOUR_0, IMPORT_TOTAL, 0]]); // makes the month's partition
    await backend.pool.query(
      `INSERT INTO aiida_record (ts, received_at, data_source_key, ts_source, obis_keys, quantity_values, qualities)
       SELECT t, t, $1, 1, ARRAY[$2::smallint, $3::smallint], ARRAY[i::float8, -i::float8], ARRAY[0::smallint, 0::smallint]
         FROM generate_series(0, $4 - 1) AS i, LATERAL (SELECT $5::timestamptz + i * interval '3 s' AS t) AS s
       ON CONFLICT (data_source_key, ts) DO UPDATE SET obis_keys = excluded.obis_keys,
         quantity_values = excluded.quantity_values, qualities = excluded.qualities`,
      [
        key,
        Math.min(IMPORT_TOTAL, IMPORT_POWER),
        Math.max(IMPORT_TOTAL, IMPORT_POWER),
        records,
        new Date(HOUR_0),
      ],
    );
    const rollup = new PgHourlyRollup(backend.pool, 7000);
    let steps = 0;
    while ((await rollup.step(NOW)).worked) steps++;
    assert.ok(steps >= 2, `${steps} steps`);
    const hours = (await hub.hours("meter")).filter((h) => h.obisKey === IMPORT_TOTAL);
    assert.equal(
      hours.reduce((sum, h) => sum + h.count, 0),
      records,
      "every record's value in exactly one hour",
    );
    for (const h of hours) {
      const first = Math.ceil((h.hour - HOUR_0) / 3000);
      const last = Math.min(records - 1, Math.floor((h.hour + HOUR_MS - 1 - HOUR_0) / 3000));
      const low = Math.min(IMPORT_TOTAL, IMPORT_POWER) === IMPORT_TOTAL;
      assert.deepEqual(
        [h.count, h.firstValue, h.lastValue],
        [last - first + 1, low ? first : -first, low ? last : -last],
        `hour ${new Date(h.hour).toISOString()}`,
      );
    }
  });
});
