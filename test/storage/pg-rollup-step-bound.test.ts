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
});
