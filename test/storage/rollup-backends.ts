import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { QuantityEnergy } from "../../src/domain/energy-flow.ts";
import { hashDevicePassword } from "../../src/platform/secrets.ts";
import type { RollupProgress } from "../../src/storage/ports.ts";
import { migratePostgres } from "../../src/storage/postgres/migrations.ts";
import { inTransaction, openPgPool, type PgPool } from "../../src/storage/postgres/pg-pool.ts";
import { ensureMonths } from "../../src/storage/postgres/record-partitions.ts";
import { PgHourlyRollup } from "../../src/storage/postgres/rollup.ts";
import { markLateHours, shareRecordWriteLocks } from "../../src/storage/postgres/rollup-locks.ts";
import { DataSourceKeys } from "../../src/storage/sqlite/data-source-keys.ts";
import { SqliteDataSourceStore } from "../../src/storage/sqlite/data-source-repository.ts";
import { openDatabase, openReadOnlyDatabase } from "../../src/storage/sqlite/open-database.ts";
import { RecordBatchWriter } from "../../src/storage/sqlite/record-batch-writer.ts";
import { SqliteRecordReader } from "../../src/storage/sqlite/record-repository.ts";
import { HourlyRollup } from "../../src/storage/sqlite/rollup.ts";
import { testDataSource } from "../helpers/data-source-fixture.ts";
import { type FreshDatabase, freshDatabase } from "../helpers/postgres.ts";

/** [ts, OBIS key, value] */
export type Value = readonly [number, number, number];

/** One rollup row with every column, times in epoch ms. */
export interface HourRow {
  readonly obisKey: number;
  readonly hour: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
  readonly count: number;
  readonly firstTs: number;
  readonly firstValue: number;
  readonly lastTs: number;
  readonly lastValue: number;
  readonly maxGap: number;
  readonly rise: number;
  readonly falls: number;
  readonly area: number;
}

/** A hub's record storage with its rollup, as the contract tests drive it: data sources by id. */
export interface RollupHub {
  /** Stores values of one data source in one transaction, one record per instant, as the record writer does. */
  write(id: string, values: readonly Value[]): Promise<void>;
  step(now: number): Promise<RollupProgress>;
  quantitiesIn(id: string, from: number, to: number): Promise<string[]>;
  energy(id: string, edges: readonly number[], maxGapMs: number): Promise<QuantityEnergy[]>;
  /** Every rollup row of a data source, by hour and OBIS key. */
  hours(id: string): Promise<HourRow[]>;
  watermark(id: string): Promise<number | undefined>;
  dirtyHours(): Promise<number>;
  /** Deletes raw values (not records) at from ≤ ts < to: what is left to answer is the rollup. */
  deleteRawValues(from: number, to: number): Promise<void>;
  /** Makes inserting a rollup row of `id` fail with `message` until the returned function is called. */
  refuseRollupOf(id: string, message: string): Promise<() => Promise<void>>;
}

export interface RollupBackend {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A hub with empty storage and the data sources `ids`. */
  open(t: TestContext, ids: readonly string[]): Promise<RollupHub>;
}

/** Groups values by instant: the flat [OBIS key, value, quality, …] list of each record. */
function byInstant(values: readonly Value[]): Map<number, number[]> {
  const records = new Map<number, number[]>();
  for (const [ts, obisKey, value] of values) records.set(ts, [...(records.get(ts) ?? []), obisKey, value, 0]);
  return records;
}

const HOUR_COLUMNS_SQLITE = `obis_key AS obisKey, hour, min, max, sum, count, first_ts AS firstTs,
  first_value AS firstValue, last_ts AS lastTs, last_value AS lastValue, max_gap AS maxGap, rise, falls, area`;

/** The SQLite storage as the writer and reader threads run it, on a file of the test's own. */
export const SQLITE: RollupBackend = {
  name: "SQLite",
  start: async () => {},
  stop: async () => {},
  async open(t, ids) {
    const dir = mkdtempSync(join(tmpdir(), "aiida-rollup-contract-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "hub.sqlite");
    const db = openDatabase(file);
    t.after(() => db.close());
    const keys = DataSourceKeys.load(db);
    const store = new SqliteDataSourceStore(db, keys);
    for (const id of ids) await store.create(testDataSource(id), hashDevicePassword("x"));
    const rollup = new HourlyRollup(db);
    const writer = new RecordBatchWriter(db, rollup);
    const readDb = openReadOnlyDatabase(file);
    t.after(() => readDb.close());
    const reader = new SqliteRecordReader(readDb);
    const keyOf = (id: string) => keys.get(id) ?? assert.fail(`no key for ${id}`);
    return {
      async write(id, values) {
        const records = [...byInstant(values)].map(([ts, flat]) => ({
          key: keyOf(id),
          record: [ts, ts, 1, flat] as [number, number, 1, number[]],
          feedback: null,
          valuesRejected: 0,
        }));
        await writer.write(records);
      },
      async step(now) {
        const step = await rollup.step(now);
        const failing = new Map<string, string>();
        for (const [key, error] of step.failing) failing.set(keys.idOf(key) ?? `?${key}`, error);
        return { worked: step.worked, failing };
      },
      async quantitiesIn(id, from, to) {
        const key = keys.get(id);
        return key === undefined ? [] : await reader.quantitiesIn(key, from, to);
      },
      async energy(id, edges, maxGapMs) {
        const key = keys.get(id);
        return key === undefined ? [] : await reader.energy(key, edges, maxGapMs);
      },
      async hours(id) {
        return db
          .prepare(
            `SELECT ${HOUR_COLUMNS_SQLITE} FROM aiida_rollup_hour WHERE data_source_key = ? ORDER BY hour, obis_key`,
          )
          .all(keyOf(id))
          .map((row) => ({ ...(row as HourRow) }));
      },
      async watermark(id) {
        const row = db
          .prepare("SELECT rolled_up_to AS upto FROM aiida_rollup_state WHERE data_source_key = ?")
          .get(keyOf(id)) as { upto: number } | undefined;
        return row?.upto;
      },
      async dirtyHours() {
        return db.prepare("SELECT count(*) FROM aiida_rollup_dirty").pluck().get() as number;
      },
      async deleteRawValues(from, to) {
        db.prepare("DELETE FROM aiida_record_value WHERE ts >= ? AND ts < ?").run(from, to);
      },
      async refuseRollupOf(id, message) {
        db.exec(`CREATE TRIGGER refuse_rollup BEFORE INSERT ON aiida_rollup_hour
          WHEN NEW.data_source_key = ${keyOf(id)} BEGIN SELECT RAISE(ABORT, '${message}'); END`);
        return async () => {
          db.exec("DROP TRIGGER refuse_rollup");
        };
      },
    };
  },
};

const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

const HOUR_COLUMNS_PG = `obis_key AS "obisKey", ${ms("hour")} AS hour, min, max, sum, count,
  ${ms("first_ts")} AS "firstTs", first_value AS "firstValue", ${ms("last_ts")} AS "lastTs",
  last_value AS "lastValue", max_gap AS "maxGap", rise, falls, area`;

/** Tables a test writes; emptied before each test. */
const PG_TABLES = "data_source, aiida_record, aiida_rollup_hour, aiida_rollup_state, aiida_rollup_dirty";

/** PostgreSQL on a fresh database of the test file's own; each test starts from empty tables. */
export class PostgresBackend implements RollupBackend {
  readonly name = "PostgreSQL";
  private database: FreshDatabase | undefined;
  private openPool: PgPool | undefined;

  get pool(): PgPool {
    return this.openPool ?? assert.fail("the PostgreSQL backend is not started");
  }

  async start(): Promise<void> {
    this.database = await freshDatabase();
    this.openPool = openPgPool(this.database.url, { max: 6 });
    await migratePostgres(this.openPool);
  }

  async stop(): Promise<void> {
    await this.openPool?.end();
    await this.database?.drop();
  }

  /** Inserts data sources the way the data source store does, and returns their keys by id. */
  async addDataSources(ids: readonly string[]): Promise<Map<string, number>> {
    const keys = new Map<string, number>();
    for (const id of ids) {
      const row = await this.pool.query<{ key: number }>(
        `INSERT INTO data_source (id, name, type, asset, role, country_code, icon, enabled, created_at, updated_at)
         VALUES ($1, $1, 'CIM', 'SUBMETER', 'OTHER_CONSUMER', 'AT', 'METER', true, now(), now()) RETURNING key`,
        [id],
      );
      keys.set(id, row.rows[0]?.key ?? assert.fail("no key"));
    }
    return keys;
  }

  /** Writes values as the PostgreSQL record writer must: late ones mark their hours dirty, under the write lock. */
  async writeValues(key: number, values: readonly Value[]): Promise<void> {
    const records = byInstant(values);
    await ensureMonths(this.pool, records.keys());
    await inTransaction(this.pool, async (client) => {
      await shareRecordWriteLocks(client, [key]);
      for (const [ts, flat] of records) {
        // A record's values are arrays in its row: merged with those stored, the new ones winning.
        const stored = await client.query<{ obis: number[]; numbers: number[] }>(
          `SELECT obis_keys AS obis, quantity_values AS numbers FROM aiida_record
            WHERE data_source_key = $1 AND ts = $2 FOR UPDATE`,
          [key, new Date(ts)],
        );
        const merged = new Map<number, number>();
        const row = stored.rows[0];
        for (const [i, obis] of (row?.obis ?? []).entries()) merged.set(obis, row?.numbers[i] ?? Number.NaN);
        for (let i = 0; i < flat.length; i += 3) merged.set(flat[i] ?? -1, flat[i + 1] ?? Number.NaN);
        const sorted = [...merged].sort((a, b) => a[0] - b[0]);
        await client.query(
          `INSERT INTO aiida_record (ts, received_at, data_source_key, ts_source, obis_keys, quantity_values, qualities)
           VALUES ($1, $1, $2, 1, $3, $4, $5) ON CONFLICT (data_source_key, ts) DO UPDATE
           SET obis_keys = excluded.obis_keys, quantity_values = excluded.quantity_values, qualities = excluded.qualities`,
          [new Date(ts), key, sorted.map((e) => e[0]), sorted.map((e) => e[1]), sorted.map(() => 0)],
        );
      }
      await markLateHours(
        client,
        [...records.keys()].map((ts) => ({ key, ts })),
      );
    });
  }

  async open(_t: TestContext, ids: readonly string[]): Promise<RollupHub> {
    const pool = this.pool;
    await pool.query("DROP TRIGGER IF EXISTS refuse_rollup ON aiida_rollup_hour");
    await pool.query(`TRUNCATE ${PG_TABLES} RESTART IDENTITY CASCADE`);
    const keys = await this.addDataSources(ids);
    const keyOf = (id: string) => keys.get(id) ?? assert.fail(`no key for ${id}`);
    const rollup = new PgHourlyRollup(pool);
    return {
      write: (id, values) => this.writeValues(keyOf(id), values),
      step: (now) => rollup.step(now),
      quantitiesIn: (id, from, to) => rollup.quantitiesIn(id, from, to),
      energy: (id, edges, maxGapMs) => rollup.energy(id, edges, maxGapMs),
      async hours(id) {
        const rows = await pool.query<HourRow>(
          `SELECT ${HOUR_COLUMNS_PG} FROM aiida_rollup_hour WHERE data_source_key = $1 ORDER BY hour, obis_key`,
          [keyOf(id)],
        );
        return rows.rows.map((row) => ({ ...row }));
      },
      async watermark(id) {
        const row = await pool.query<{ upto: number }>(
          `SELECT ${ms("rolled_up_to")} AS upto FROM aiida_rollup_state WHERE data_source_key = $1`,
          [keyOf(id)],
        );
        return row.rows[0]?.upto;
      },
      async dirtyHours() {
        return (
          (await pool.query<{ n: number }>("SELECT count(*) AS n FROM aiida_rollup_dirty")).rows[0]?.n ?? 0
        );
      },
      async deleteRawValues(from, to) {
        await pool.query("DELETE FROM aiida_record WHERE ts >= $1 AND ts < $2", [
          new Date(from),
          new Date(to),
        ]);
      },
      async refuseRollupOf(id, message) {
        await pool.query(`CREATE OR REPLACE FUNCTION refuse_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION '${message}'; END $$`);
        await pool.query(`CREATE TRIGGER refuse_rollup BEFORE INSERT ON aiida_rollup_hour FOR EACH ROW
          WHEN (NEW.data_source_key = ${keyOf(id)}) EXECUTE FUNCTION refuse_rollup()`);
        return async () => {
          await pool.query("DROP TRIGGER refuse_rollup ON aiida_rollup_hour");
        };
      },
    };
  }
}

/** Both backends, for `for (const backend of rollupBackends()) describe(backend.name, …)`. */
export function rollupBackends(): RollupBackend[] {
  return [SQLITE, new PostgresBackend()];
}
