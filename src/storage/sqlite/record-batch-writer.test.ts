import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { testDataSource } from "../../../test/helpers/data-source-fixture.ts";
import { hashDevicePassword } from "../../platform/secrets.ts";
import { DataSourceKeys } from "./data-source-keys.ts";
import { SqliteDataSourceStore } from "./data-source-repository.ts";
import { openDatabase } from "./open-database.ts";
import { RecordBatchWriter } from "./record-batch-writer.ts";
import { HourlyRollup } from "./rollup.ts";
import type { WireOutcome } from "./wire-outcome.ts";

const T = Date.parse("2026-05-04T10:00:00Z");

async function setUp(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), "aiida-writer-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(join(dir, "hub.sqlite"));
  t.after(() => db.close());
  const keys = DataSourceKeys.load(db);
  const store = new SqliteDataSourceStore(db, keys);
  await store.create(testDataSource("meter"), hashDevicePassword("x"));
  const key = keys.get("meter");
  assert.ok(key !== undefined);
  const writer = new RecordBatchWriter(db, new HourlyRollup(db));
  const outcome = (ts: number, device: boolean, values: number[]): WireOutcome => ({
    key,
    record: [ts, T, device ? 1 : 0, values],
    feedback: null,
    valuesRejected: 0,
  });
  const stored = () =>
    db
      .prepare("SELECT ts, obis_key AS obis, value FROM aiida_record_value ORDER BY ts, obis_key")
      .all()
      .map((r) => ({ ...(r as object) }));
  return { db, writer, outcome, stored, counters: () => store.counters("meter") };
}

test("a hub-stamped message whose time a stored record already holds is refused, not merged into it", async (t) => {
  const { writer, outcome, stored, counters } = await setUp(t);
  writer.write([outcome(T, false, [1, 5, 0])]);
  // As after a restart: the new run's first stamp is the time of a record the last run stored.
  assert.throws(() => writer.write([outcome(T, false, [1, 7, 0])]), /already stored; send the message again/);
  assert.deepEqual(stored(), [{ ts: T, obis: 1, value: 5 }]);
  assert.equal((await counters())?.messagesAccepted, 1);
});

test("a device message repeating its timestamp merges into that record and counters count what is stored", async (t) => {
  const { writer, outcome, stored, counters } = await setUp(t);
  writer.write([outcome(T, true, [1, 5, 0])]);
  writer.write([outcome(T, true, [1, 5, 0])]); // a QoS 1 redelivery
  writer.write([outcome(T, true, [1, 6, 0, 2, 9, 0])]); // a correction and one more quantity at that instant
  assert.deepEqual(stored(), [
    { ts: T, obis: 1, value: 6 },
    { ts: T, obis: 2, value: 9 },
  ]);
  const c = await counters();
  assert.deepEqual([c?.messagesAccepted, c?.valuesAccepted], [1, 2]);
});

test("a retention pass prepares no statement: it allocates nothing per data source", async (t) => {
  const { db, writer } = await setUp(t);
  const store = new SqliteDataSourceStore(db, DataSourceKeys.load(db));
  for (let i = 0; i < 50; i++) await store.create(testDataSource(`empty-${i}`), hashDevicePassword("x"));
  // A spy on the real connection: each prepared statement holds native memory until V8 collects it.
  const prepare = t.mock.method(db, "prepare");
  assert.equal(writer.deleteOlderThan(T, 1000), 0, "nothing is stored, so nothing is deleted");
  assert.equal(prepare.mock.callCount(), 0);
});
