import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, type TestContext, test } from "node:test";
import { testDataSource } from "../../../test/helpers/data-source-fixture.ts";
import type { QuantityEnergy } from "../../domain/energy-flow.ts";
import { energyQuantityByKey } from "../../domain/energy-quantity.ts";
import { tallyEnergy } from "../../domain/energy-tally.ts";
import { obisByCode } from "../../domain/obis-code.ts";
import { singleReading } from "../../domain/reading-run.ts";
import { calendarEdges, parseLocalInstant } from "../../platform/calendar-intervals.ts";
import { hashDevicePassword } from "../../platform/secrets.ts";
import { DataSourceKeys } from "./data-source-keys.ts";
import { SqliteDataSourceStore } from "./data-source-repository.ts";
import { openDatabase, openReadOnlyDatabase } from "./open-database.ts";
import { RecordBatchWriter } from "./record-batch-writer.ts";
import { SqliteRecordReader } from "./record-repository.ts";
import { HOUR_MS, HourlyRollup } from "./rollup.ts";

const MINUTE = 60_000;
const MAX_GAP = 15 * MINUTE;
const IMPORT_TOTAL = obisByCode("1-0:1.8.0")?.key ?? 0;
const IMPORT_POWER = obisByCode("1-0:1.7.0")?.key ?? 0;
const EXPORT_TOTAL = obisByCode("1-0:2.8.0")?.key ?? 0;
const VOLTAGE = obisByCode("1-0:32.7.0")?.key ?? 0;

/** [ts, OBIS key, value] */
type Value = readonly [number, number, number];

/** A hub database with one data source, its writer and rollup, and a reader on its own read-only connection. */
async function setUp(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), "aiida-energy-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "hub.sqlite");
  const db = openDatabase(file);
  t.after(() => db.close());
  const keys = DataSourceKeys.load(db);
  await new SqliteDataSourceStore(db, keys).create(testDataSource("meter"), hashDevicePassword("x"));
  const key = keys.get("meter") ?? assert.fail("no key");
  const rollup = new HourlyRollup(db);
  const writer = new RecordBatchWriter(db, rollup);
  const readDb = openReadOnlyDatabase(file);
  t.after(() => readDb.close());
  const reader = new SqliteRecordReader(readDb);
  const stored: Value[] = [];
  return {
    db,
    stored,
    /** Stores values in one transaction, one record per instant. */
    write(values: readonly Value[]) {
      const byTs = new Map<number, number[]>();
      for (const [ts, obisKey, value] of values) byTs.set(ts, [...(byTs.get(ts) ?? []), obisKey, value, 0]);
      writer.write(
        [...byTs].map(([ts, flat]) => ({
          key,
          record: [ts, ts, 1, flat],
          feedback: null,
          valuesRejected: 0,
        })),
      );
      stored.push(...values);
    },
    rollUpUntil(now: number) {
      while (rollup.step(now).worked) {}
    },
    energy: (edges: readonly number[], maxGap = MAX_GAP) => reader.energy(key, edges, maxGap),
    dirtyHours: () => db.prepare("SELECT count(*) FROM aiida_rollup_dirty").pluck().get() as number,
  };
}

/** What the query must answer: every stored reading of each energy quantity, tallied one by one. */
function expected(values: readonly Value[], edges: readonly number[], maxGap = MAX_GAP): QuantityEnergy[] {
  const byKey = new Map<number, Value[]>();
  for (const v of values) byKey.set(v[1], [...(byKey.get(v[1]) ?? []), v]);
  const result: QuantityEnergy[] = [];
  for (const [obisKey, list] of [...byKey].sort(([a], [b]) => a - b)) {
    const quantity = energyQuantityByKey(obisKey);
    const from = edges[0] ?? 0;
    const to = edges.at(-1) ?? 0;
    if (!quantity || !list.some(([ts]) => ts >= from && ts < to)) continue;
    const runs = list.sort((a, b) => a[0] - b[0]).map(([ts, , value]) => singleReading(ts, value));
    result.push({ obisKey, intervals: tallyEnergy(quantity.method, runs, edges, maxGap) });
  }
  return result;
}

/** Rounded to what the API shows, so sums in another order compare equal. */
function rounded(energy: readonly QuantityEnergy[]) {
  return energy.map((q) => ({
    obisKey: q.obisKey,
    intervals: q.intervals.map((i) => ({
      kWh: i.kWh === null ? null : Math.round(i.kWh * 1e6) / 1e6,
      completeness: Math.round(i.completeness * 1e6) / 1e6,
      resets: i.resets,
    })),
  }));
}

function edgesOf(from: string, to: string, unit: "hour" | "day", zone: string): readonly number[] {
  const made = calendarEdges(
    parseLocalInstant(from, zone) ?? NaN,
    parseLocalInstant(to, zone) ?? NaN,
    unit,
    zone,
    10_000,
  );
  assert.ok(!("problem" in made));
  return made.edges;
}

/** A grid meter every 5 minutes: import register, import power, export register, a voltage (ignored). */
function gridMeter(first: number, last: number, startKWh = 1000): Value[] {
  const values: Value[] = [];
  let total = startKWh;
  let fedIn = 50;
  for (let ts = first; ts <= last; ts += 5 * MINUTE) {
    const hourOfDay = (ts / HOUR_MS) % 24;
    const kW = 0.3 + (hourOfDay > 17 ? 1.2 : 0.2) + ((ts / MINUTE) % 7) / 10;
    total += (kW * 5) / 60;
    if (hourOfDay > 9 && hourOfDay < 15) fedIn += 0.1;
    values.push([ts, IMPORT_TOTAL, Math.round(total * 1000) / 1000]);
    values.push([ts, IMPORT_POWER, Math.round(kW * 1000) / 1000]);
    values.push([ts, EXPORT_TOTAL, Math.round(fedIn * 1000) / 1000]);
    values.push([ts, VOLTAGE, 230]);
  }
  return values;
}

const VIENNA = "Europe/Vienna";
const DAYS = edgesOf("2026-03-28", "2026-03-31", "day", VIENNA); // the spring-forward day in the middle
const FIRST = Date.parse("2026-03-27T20:00:00Z");
const LAST = Date.parse("2026-03-31T03:00:00Z");
const AFTER_ALL = LAST + 2 * HOUR_MS;

describe("energy per interval read from SQLite", () => {
  test("raw values, hourly rollups and a late value give the same answer as tallying every reading", async (t) => {
    const hub = await setUp(t);
    hub.write(gridMeter(FIRST, LAST));
    const raw = rounded(hub.energy(DAYS));
    assert.deepEqual(raw, rounded(expected(hub.stored, DAYS)), "before any rollup");
    assert.deepEqual(
      raw.map((q) => q.obisKey),
      [IMPORT_TOTAL, EXPORT_TOTAL, IMPORT_POWER],
      "energy quantities only, in OBIS key order",
    );
    assert.equal(raw[0]?.intervals.length, 3);
    hub.rollUpUntil(AFTER_ALL);
    assert.deepEqual(rounded(hub.energy(DAYS)), raw, "from the rollups");

    // A value arrives late for a rolled-up hour: its hour is dirty and read raw until rolled up again.
    hub.write([
      [Date.parse("2026-03-29T10:02:30Z"), IMPORT_POWER, 9],
      [Date.parse("2026-03-29T10:02:30Z"), IMPORT_TOTAL, 0], // and a reset of the register with it
    ]);
    assert.equal(hub.dirtyHours(), 1);
    const late = rounded(hub.energy(DAYS));
    assert.deepEqual(late, rounded(expected(hub.stored, DAYS)), "with the late values, read raw");
    assert.notDeepEqual(late, raw);
    assert.equal(late[0]?.intervals[1]?.resets, 1, "the reset is counted on the 29th");
    hub.rollUpUntil(AFTER_ALL);
    assert.equal(hub.dirtyHours(), 0);
    assert.deepEqual(rounded(hub.energy(DAYS)), late, "rolled up again");
  });

  test("rolled-up hours are answered from their rollup rows, not from raw values", async (t) => {
    const hub = await setUp(t);
    hub.write(gridMeter(FIRST, LAST));
    hub.rollUpUntil(AFTER_ALL);
    const answer = rounded(hub.energy(DAYS));
    // Raw values of whole hours inside the range are gone: only the rollup can still answer for them.
    hub.db
      .prepare("DELETE FROM aiida_record_value WHERE ts >= ? AND ts < ?")
      .run((DAYS[0] ?? 0) + HOUR_MS, (DAYS.at(-1) ?? 0) - HOUR_MS);
    assert.deepEqual(rounded(hub.energy(DAYS)), answer);
  });

  test("an hour with a gap longer than the limit inside is read raw, so the gap is not bridged", async (t) => {
    const hub = await setUp(t);
    const values = gridMeter(FIRST, LAST).filter(
      ([ts]) => ts < Date.parse("2026-03-29T10:10:00Z") || ts > Date.parse("2026-03-29T10:40:00Z"),
    );
    hub.write(values);
    hub.rollUpUntil(AFTER_ALL);
    const answer = rounded(hub.energy(DAYS));
    assert.deepEqual(answer, rounded(expected(hub.stored, DAYS)));
    const power = answer.find((q) => q.obisKey === IMPORT_POWER);
    assert.ok(power?.intervals[1] && power.intervals[1].completeness < 1, "the 29th is not complete");
    // With a limit of an hour the same gap is bridged, and the day is whole again.
    const bridged = rounded(hub.energy(DAYS, HOUR_MS));
    assert.deepEqual(bridged, rounded(expected(hub.stored, DAYS, HOUR_MS)));
    assert.equal(bridged.find((q) => q.obisKey === IMPORT_POWER)?.intervals[1]?.completeness, 1);
  });

  test("days in Asia/Kolkata start at hh:30 UTC: the hours they cut are read raw, the answer stays exact", async (t) => {
    const hub = await setUp(t);
    hub.write(gridMeter(FIRST, LAST));
    hub.rollUpUntil(AFTER_ALL);
    const days = edgesOf("2026-03-28", "2026-03-31", "day", "Asia/Kolkata");
    assert.ok(days.every((edge) => edge % HOUR_MS === 30 * MINUTE));
    assert.deepEqual(rounded(hub.energy(days)), rounded(expected(hub.stored, days)));
    const hours = edgesOf("2026-03-29T00:00", "2026-03-29T06:00", "hour", "Asia/Kolkata");
    assert.deepEqual(rounded(hub.energy(hours)), rounded(expected(hub.stored, hours)));
  });

  test("a register's difference reaches back to its last reading days before the range, also past a dirty hour", async (t) => {
    const hub = await setUp(t);
    const monday = Date.parse("2026-03-23T12:00:00Z");
    hub.write([
      [monday, IMPORT_TOTAL, 500],
      [monday + HOUR_MS, IMPORT_TOTAL, 501],
    ]);
    hub.write(gridMeter(Date.parse("2026-03-28T06:00:00Z"), LAST, 600));
    hub.rollUpUntil(AFTER_ALL);
    const first = rounded(hub.energy(DAYS))[0]?.intervals[0];
    assert.deepEqual(first, rounded(expected(hub.stored, DAYS))[0]?.intervals[0]);
    // A late reading for an hour in between: the difference starts from it now.
    hub.write([[Date.parse("2026-03-25T08:00:00Z"), IMPORT_TOTAL, 550]]);
    assert.deepEqual(rounded(hub.energy(DAYS)), rounded(expected(hub.stored, DAYS)));
    assert.notDeepEqual(rounded(hub.energy(DAYS))[0]?.intervals[0], first);
  });

  test("ranges before the first reading, after the last, and of a source without energy quantities are empty", async (t) => {
    const hub = await setUp(t);
    hub.write([[Date.parse("2026-03-29T10:00:00Z"), VOLTAGE, 231]]);
    assert.deepEqual(hub.energy(DAYS), []);
    hub.write(gridMeter(FIRST, LAST));
    hub.rollUpUntil(AFTER_ALL);
    assert.deepEqual(hub.energy(edgesOf("2026-01-01", "2026-01-03", "day", VIENNA)), []);
    const later = edgesOf("2026-04-02", "2026-04-03", "day", VIENNA);
    const registerOnly = hub.energy(later);
    assert.deepEqual(registerOnly, [], "no reading in the range: nothing, not a difference to old readings");
  });
});
