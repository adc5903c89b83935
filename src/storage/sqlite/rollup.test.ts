import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import Database from "better-sqlite3";
import { testDataSource } from "../../../test/helpers/data-source-fixture.ts";
import { summariseReadings } from "../../domain/reading-run.ts";
import { hashDevicePassword } from "../../platform/secrets.ts";
import { DataSourceKeys } from "./data-source-keys.ts";
import { SqliteDataSourceStore } from "./data-source-repository.ts";
import { migrate } from "./migrations.ts";
import { openDatabase } from "./open-database.ts";
import { RecordBatchWriter } from "./record-batch-writer.ts";
import { HOUR_MS, HourlyRollup } from "./rollup.ts";

const HOUR_10 = Date.parse("2026-05-04T10:00:00Z");
const MINUTE = 60_000;

test("an hour is rolled up only after a grace period, so slightly late values do not make it dirty", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "aiida-rollup-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(join(dir, "hub.sqlite"));
  t.after(() => db.close());
  const keys = DataSourceKeys.load(db);
  await new SqliteDataSourceStore(db, keys).create(testDataSource("meter"), hashDevicePassword("x"));
  const key = keys.get("meter");
  assert.ok(key !== undefined);
  const rollup = new HourlyRollup(db);
  const writer = new RecordBatchWriter(db, rollup);
  const write = (ts: number) =>
    writer.write([{ key, record: [ts, ts, 1, [1, 5, 0]], feedback: null, valuesRejected: 0 }]);
  const watermark = () =>
    (db.prepare("SELECT rolled_up_to AS upto FROM aiida_rollup_state").get() as { upto: number } | undefined)
      ?.upto;
  const dirtyHours = () =>
    (db.prepare("SELECT count(*) AS n FROM aiida_rollup_dirty").get() as { n: number }).n;
  const rollUpAll = (now: number) => {
    while (rollup.step(now).worked) {}
  };

  write(HOUR_10 - HOUR_MS + 30 * MINUTE); // 09:30
  write(HOUR_10 + 50 * MINUTE); // 10:50
  rollUpAll(HOUR_10 + HOUR_MS + 5 * MINUTE); // 11:05: hour 10 ended 5 minutes ago
  assert.equal(watermark(), HOUR_10, "hour 9 is rolled up, hour 10 waits");
  write(HOUR_10 + 59 * MINUTE); // arrives late for hour 10
  assert.equal(dirtyHours(), 0);

  rollUpAll(HOUR_10 + HOUR_MS + 16 * MINUTE);
  assert.equal(watermark(), HOUR_10 + HOUR_MS);
  const hour10 = db
    .prepare("SELECT count, last_value FROM aiida_rollup_hour WHERE hour = ?")
    .get(HOUR_10) as { count: number; last_value: number };
  assert.deepEqual({ ...hour10 }, { count: 2, last_value: 5 });
  write(HOUR_10 + 10 * MINUTE); // later still: now the hour is recomputed
  assert.equal(dirtyHours(), 1);
});

test("an empty stretch of decades is skipped in one step, not walked a day at a time", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "aiida-rollup-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(join(dir, "hub.sqlite"));
  t.after(() => db.close());
  const keys = DataSourceKeys.load(db);
  await new SqliteDataSourceStore(db, keys).create(testDataSource("meter"), hashDevicePassword("x"));
  const key = keys.get("meter");
  assert.ok(key !== undefined);
  const rollup = new HourlyRollup(db);
  const writer = new RecordBatchWriter(db, rollup);
  const write = (ts: number, value: number) =>
    writer.write([{ key, record: [ts, ts, 1, [1, value, 0]], feedback: null, valuesRejected: 0 }]);
  write(Date.parse("1970-01-01T00:10:00Z"), 1); // a device whose clock was not set yet
  write(HOUR_10 + 5 * MINUTE, 2);

  let steps = 0;
  while (rollup.step(HOUR_10 + 2 * HOUR_MS).worked) steps++;
  assert.ok(steps <= 4, `${steps} steps`);
  const hours = db.prepare("SELECT hour, last_value FROM aiida_rollup_hour ORDER BY hour").all();
  assert.deepEqual(
    hours.map((h) => ({ ...(h as object) })),
    [
      { hour: 0, last_value: 1 },
      { hour: HOUR_10, last_value: 2 },
    ],
  );
});

/** A database with data sources `ids`, a writer and a rollup over it. */
async function setUp(t: TestContext, ids: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "aiida-rollup-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(join(dir, "hub.sqlite"));
  t.after(() => db.close());
  const keys = DataSourceKeys.load(db);
  const store = new SqliteDataSourceStore(db, keys);
  for (const id of ids) await store.create(testDataSource(id), hashDevicePassword("x"));
  const keyOf = (id: string) => keys.get(id) ?? assert.fail(`no key for ${id}`);
  const rollup = new HourlyRollup(db);
  const writer = new RecordBatchWriter(db, rollup);
  const write = (id: string, ts: number, value: number) =>
    writer.write([{ key: keyOf(id), record: [ts, ts, 1, [1, value, 0]], feedback: null, valuesRejected: 0 }]);
  const hours = (id: string) =>
    db
      .prepare("SELECT hour, count, min, max FROM aiida_rollup_hour WHERE data_source_key = ? ORDER BY hour")
      .all(keyOf(id))
      .map((h) => ({ ...(h as object) }));
  return { db, rollup, write, hours, keyOf };
}

test("a value before 1970 is rolled up into its own hour, and a late one for that hour is recomputed", async (t) => {
  const { rollup, write, hours } = await setUp(t, ["meter"]);
  write("meter", Date.parse("1969-12-31T23:30:00Z"), 1);
  write("meter", Date.parse("1970-01-01T00:10:00Z"), 2);
  const now = Date.parse("1970-01-01T03:00:00Z");
  while (rollup.step(now).worked) {}
  assert.deepEqual(hours("meter"), [
    { hour: -HOUR_MS, count: 1, min: 1, max: 1 },
    { hour: 0, count: 1, min: 2, max: 2 },
  ]);
  write("meter", Date.parse("1969-12-31T23:45:00Z"), 3); // late, for the rolled-up hour before 1970
  const failing = [];
  for (let step = rollup.step(now); step.worked; step = rollup.step(now)) failing.push(...step.failing);
  assert.deepEqual(failing, []);
  assert.deepEqual(hours("meter"), [
    { hour: -HOUR_MS, count: 2, min: 1, max: 3 },
    { hour: 0, count: 1, min: 2, max: 2 },
  ]);
});

test("one data source whose rollup fails is put aside and reported while the others are rolled up", async (t) => {
  const { db, rollup, write, hours, keyOf } = await setUp(t, ["broken", "fine"]);
  // A real failure inside the rollup's transaction, for one data source's rows only.
  db.exec(`CREATE TRIGGER refuse_broken BEFORE INSERT ON aiida_rollup_hour
    WHEN NEW.data_source_key = ${keyOf("broken")} BEGIN SELECT RAISE(ABORT, 'broken rollup'); END`);
  write("broken", HOUR_10 + 5 * MINUTE, 1);
  write("fine", HOUR_10 + 5 * MINUTE, 2);
  const now = HOUR_10 + 2 * HOUR_MS;
  let last = rollup.step(now);
  for (let steps = 0; last.worked && steps < 10; steps++) last = rollup.step(now);
  assert.equal(last.worked, false, "the pass ends although one data source keeps failing");
  assert.deepEqual(hours("fine"), [{ hour: HOUR_10, count: 1, min: 2, max: 2 }]);
  assert.deepEqual(hours("broken"), []);
  assert.deepEqual(last.failing, [[keyOf("broken"), "broken rollup"]]);

  db.exec("DROP TRIGGER refuse_broken");
  assert.equal(rollup.step(now + MINUTE).worked, false, "not tried again at once");
  const later = now + 11 * MINUTE;
  while (rollup.step(later).worked) {}
  assert.deepEqual(hours("broken"), [{ hour: HOUR_10, count: 1, min: 1, max: 1 }]);
  assert.deepEqual(rollup.step(later).failing, [], "it is reported no more");
});

test("a rollup whose COMMIT fails leaves its hours to the next step instead of skipping them", async (t) => {
  const { db, rollup, write, hours, keyOf } = await setUp(t, ["meter"]);
  for (let hour = 0; hour < 3; hour++) write("meter", HOUR_10 + hour * HOUR_MS, hour);
  // A deferred foreign key is checked at COMMIT: the rollup's statements all succeed, its COMMIT fails.
  db.exec(`CREATE TABLE guard_parent (id INTEGER PRIMARY KEY);
    CREATE TABLE guard (parent INTEGER REFERENCES guard_parent (id) DEFERRABLE INITIALLY DEFERRED);
    CREATE TRIGGER fail_commit AFTER INSERT ON aiida_rollup_state BEGIN INSERT INTO guard VALUES (1); END;`);
  const now = HOUR_10 + 4 * HOUR_MS;
  const failed = rollup.step(now);
  assert.deepEqual(failed.failing, [[keyOf("meter"), "FOREIGN KEY constraint failed"]]);
  assert.equal(db.inTransaction, false);

  db.exec("DROP TRIGGER fail_commit");
  const later = now + 11 * MINUTE;
  while (rollup.step(later).worked) {}
  assert.deepEqual(
    hours("meter").map((h) => (h as { hour: number }).hour),
    [HOUR_10, HOUR_10 + HOUR_MS, HOUR_10 + 2 * HOUR_MS],
  );
});

test("steps prepare no statement: a pass over many data sources without records allocates nothing per source", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "aiida-rollup-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(join(dir, "hub.sqlite"));
  t.after(() => db.close());
  const keys = DataSourceKeys.load(db);
  const store = new SqliteDataSourceStore(db, keys);
  for (let i = 0; i < 50; i++) await store.create(testDataSource(`empty-${i}`), hashDevicePassword("x"));
  const rollup = new HourlyRollup(db);
  // A spy on the real connection: each prepared statement holds native memory until V8 collects it.
  const prepare = t.mock.method(db, "prepare");
  assert.equal(rollup.step(HOUR_10).worked, false, "nothing is stored, so there is nothing to roll up");
  assert.equal(prepare.mock.callCount(), 0);
});

test("an hour's rollup keeps its first value, longest gap, rise, falls and trapezoid area, per quantity", async (t) => {
  const { db, rollup, keyOf } = await setUp(t, ["meter"]);
  const writer = new RecordBatchWriter(db, rollup);
  const key = keyOf("meter");
  // A total register (OBIS key 1) that is reset once, and power (key 9) with a 20-minute gap, in one hour.
  const register: [number, number][] = [
    [HOUR_10 + 1 * MINUTE, 100],
    [HOUR_10 + 2 * MINUTE, 100.5],
    [HOUR_10 + 3 * MINUTE, 0.25],
    [HOUR_10 + 4 * MINUTE, 1],
  ];
  const power: [number, number][] = [
    [HOUR_10 + 1 * MINUTE, 2],
    [HOUR_10 + 21 * MINUTE, 4],
    [HOUR_10 + 22 * MINUTE, 1],
  ];
  for (const [ts, value] of register) {
    writer.write([{ key, record: [ts, ts, 1, [1, value, 0]], feedback: null, valuesRejected: 0 }]);
  }
  for (const [ts, value] of power) {
    writer.write([{ key, record: [ts, ts, 1, [9, value, 0]], feedback: null, valuesRejected: 0 }]);
  }
  while (rollup.step(HOUR_10 + 2 * HOUR_MS).worked) {}
  const row = (obisKey: number) => ({
    ...(db
      .prepare(
        `SELECT first_ts AS firstTs, first_value AS firstValue, last_ts AS lastTs, last_value AS lastValue, count,
           max_gap AS maxGap, rise, falls, area FROM aiida_rollup_hour WHERE obis_key = ?`,
      )
      .get(obisKey) as object),
  });
  assert.deepEqual(row(1), summariseReadings(register));
  assert.deepEqual(row(1), {
    firstTs: HOUR_10 + MINUTE,
    firstValue: 100,
    lastTs: HOUR_10 + 4 * MINUTE,
    lastValue: 1,
    count: 4,
    maxGap: MINUTE,
    rise: 0.5 + 0.75,
    falls: 1,
    area: ((100 + 100.5) / 2 + (100.5 + 0.25) / 2 + (0.25 + 1) / 2) * MINUTE,
  });
  assert.deepEqual(row(9), summariseReadings(power));
  assert.equal((row(9) as { maxGap: number }).maxGap, 20 * MINUTE);
});

test("migration 7 empties the old rollups, and the job rolls the stored values up again with the new columns", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "aiida-rollup-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "hub.sqlite");
  const old = new Database(file);
  assert.equal(migrate(old, 5), 5);
  old
    .prepare(
      `INSERT INTO data_source (id, name, type, asset, country_code, icon, enabled, created_at, updated_at)
     VALUES ('meter', 'meter', 'CIM', 'CONNECTION-AGREEMENT-POINT', 'AT', 'ELECTRICITY', 1, 0, 0)`,
    )
    .run();
  const key = old.prepare("SELECT key FROM data_source").pluck().get() as number;
  for (const [minute, value] of [
    [5, 10],
    [35, 12],
  ] as const) {
    const ts = HOUR_10 + minute * MINUTE;
    old
      .prepare(
        "INSERT INTO aiida_record (data_source_key, ts, received_delta, ts_source) VALUES (?, ?, 0, 1)",
      )
      .run(key, ts);
    old
      .prepare(
        "INSERT INTO aiida_record_value (data_source_key, ts, obis_key, value, quality) VALUES (?, ?, 1, ?, 0)",
      )
      .run(key, ts, value);
  }
  // Rolled up as version 5 did: no first value, no gap, rise, falls or area.
  old
    .prepare(
      `INSERT INTO aiida_rollup_hour (data_source_key, obis_key, hour, min, max, sum, count, last_ts, last_value)
     VALUES (?, 1, ?, 10, 12, 22, 2, ?, 12)`,
    )
    .run(key, HOUR_10, HOUR_10 + 35 * MINUTE);
  old
    .prepare("INSERT INTO aiida_rollup_state (data_source_key, rolled_up_to) VALUES (?, ?)")
    .run(key, HOUR_10 + HOUR_MS);
  old.close();

  const db = openDatabase(file);
  t.after(() => db.close());
  assert.equal(db.prepare("SELECT count(*) FROM aiida_rollup_hour").pluck().get(), 0);
  assert.equal(db.prepare("SELECT count(*) FROM aiida_rollup_state").pluck().get(), 0);
  const rollup = new HourlyRollup(db);
  while (rollup.step(HOUR_10 + 2 * HOUR_MS).worked) {}
  assert.deepEqual(
    {
      ...(db
        .prepare(
          "SELECT count, first_value AS first, last_value AS last, rise, max_gap AS gap FROM aiida_rollup_hour",
        )
        .get() as object),
    },
    { count: 2, first: 10, last: 12, rise: 2, gap: 30 * MINUTE },
  );
});

test("an hour's sum is SQLite's total() to the last bit, also for values that do not add up exactly", async (t) => {
  const { db, rollup, keyOf } = await setUp(t, ["meter"]);
  const key = keyOf("meter");
  let seed = 7;
  const outcomes = Array.from({ length: 1200 }, (_, i) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const magnitude = i % 3 === 0 ? 1e6 : i % 3 === 1 ? 1 : 1e-6;
    const ts = HOUR_10 + i * 3000;
    const value = ((seed / 2 ** 31) * 10 - 5) * magnitude;
    return {
      key,
      record: [ts, ts, 1, [1, value, 0]] as [number, number, 1, number[]],
      feedback: null,
      valuesRejected: 0,
    };
  });
  new RecordBatchWriter(db, rollup).write(outcomes);
  while (rollup.step(HOUR_10 + 2 * HOUR_MS).worked) {}
  const rolled = db.prepare("SELECT sum, min, max, count FROM aiida_rollup_hour").get();
  const raw = db
    .prepare(
      "SELECT total(value) AS sum, min(value) AS min, max(value) AS max, count(*) AS count FROM aiida_record_value WHERE data_source_key = ?",
    )
    .get(keyOf("meter"));
  assert.deepEqual({ ...(rolled as object) }, { ...(raw as object) });
});
