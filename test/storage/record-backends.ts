import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashDevicePassword } from "../../src/platform/secrets.ts";
import type { IngestCounters, RecordStore, RecordWriter, RollupProgress } from "../../src/storage/ports.ts";
import { migratePostgres } from "../../src/storage/postgres/migrations.ts";
import { openPgPool, type PgPool } from "../../src/storage/postgres/pg-pool.ts";
import {
  PgBatchCommitter,
  TRANSACTIONS_IN_FLIGHT,
} from "../../src/storage/postgres/record-batch-committer.ts";
import { existingMonths } from "../../src/storage/postgres/record-partitions.ts";
import { PgRecordStore } from "../../src/storage/postgres/record-store.ts";
import { PgRecordWriter } from "../../src/storage/postgres/record-writer.ts";
import { PgHourlyRollup } from "../../src/storage/postgres/rollup.ts";
import { openSqliteStorage } from "../../src/storage/sqlite/sqlite-storage.ts";
import { testDataSource } from "../helpers/data-source-fixture.ts";
import { freshDatabase } from "../helpers/postgres.ts";

/** One backend's record writer and store on an empty database, with what the cases need around them. */
export interface RecordHarness {
  readonly writer: RecordWriter;
  readonly records: RecordStore;
  addSource(id: string): Promise<void>;
  /** As the data source store deletes one: its records are left to the retention job. */
  deleteSource(id: string): Promise<void>;
  counters(id: string): Promise<IngestCounters | undefined>;
  /** Rolls every data source up as far as `now` allows (the backend's own rollup job, step by step). */
  rollUp(now: number): Promise<void>;
  /** Record rows stored, of every data source (deleted ones too). */
  storedRecords(): Promise<number>;
  /** Hours marked dirty (late data), as epoch ms. */
  dirtyHours(): Promise<number[]>;
  /** PostgreSQL only: months with partitions. */
  partitionMonths?(): Promise<number[]>;
  close(): Promise<void>;
}

export interface RecordBackend {
  readonly name: string;
  open(now: number): Promise<RecordHarness>;
}

async function rollUpWith(writer: RecordWriter, now: number): Promise<void> {
  for (
    let step: RollupProgress = await writer.rollupStep(now);
    step.worked;
    step = await writer.rollupStep(now)
  ) {
    if (step.failing.size > 0) throw new Error(`rollup failing: ${[...step.failing.values()].join("; ")}`);
  }
}

const sqlite: RecordBackend = {
  name: "SQLite",
  async open() {
    const dir = mkdtempSync(join(tmpdir(), "aiida-records-"));
    const storage = await openSqliteStorage(join(dir, "hub.sqlite"));
    const db = storage.mainConnection;
    return {
      writer: storage.writer,
      records: storage.records,
      addSource: async (id) => {
        await storage.dataSources.create(testDataSource(id), hashDevicePassword("x"));
      },
      deleteSource: async (id) => {
        await storage.dataSources.delete(id);
      },
      counters: async (id) => storage.dataSources.counters(id),
      rollUp: (now) => rollUpWith(storage.writer, now),
      storedRecords: async () =>
        (db.prepare("SELECT count(*) AS n FROM aiida_record").get() as { n: number }).n,
      dirtyHours: async () =>
        (db.prepare("SELECT hour FROM aiida_rollup_dirty ORDER BY hour").all() as { hour: number }[]).map(
          (r) => r.hour,
        ),
      close: async () => {
        await storage.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** Opens a writer and a store on a fresh, migrated database; `harness.close()` drops it. */
export async function openPostgresRecords(now: number) {
  const db = await freshDatabase();
  const pool = openPgPool(db.url, { max: 6 });
  try {
    await migratePostgres(pool);
    // The hub's own rollup and batch connections, as openPostgresStorage wires them.
    const rollup = new PgHourlyRollup(pool);
    const batches = openPgPool(db.url, { max: TRANSACTIONS_IN_FLIGHT, pipeline: true });
    const writer = await PgRecordWriter.open(
      pool,
      rollup,
      now,
      (months) => new PgBatchCommitter(pool, months, batches),
    );
    const records = new PgRecordStore(pool, rollup);
    return { db, pool, batches, writer, records };
  } catch (error) {
    await pool.end();
    await db.drop();
    throw error;
  }
}

const postgres: RecordBackend = {
  name: "PostgreSQL",
  async open(now) {
    const { db, pool, writer, records } = await openPostgresRecords(now);
    return {
      writer,
      records,
      addSource: (id) => addPgSource(pool, id),
      deleteSource: (id) => deletePgSource(pool, id),
      counters: (id) => pgCounters(pool, id),
      rollUp: (at) => rollUpWith(writer, at),
      storedRecords: async () =>
        (await pool.query<{ n: number }>("SELECT count(*) AS n FROM aiida_record")).rows[0]?.n ?? -1,
      dirtyHours: async () =>
        (
          await pool.query<{ hour: number }>(
            "SELECT (extract(epoch from hour) * 1000)::float8 AS hour FROM aiida_rollup_dirty ORDER BY hour",
          )
        ).rows.map((r) => r.hour),
      partitionMonths: () => existingMonths(pool),
      close: async () => {
        await writer.close();
        await pool.end();
        await db.drop();
      },
    };
  },
};

export const BACKENDS: readonly RecordBackend[] = [sqlite, postgres];

/** A data source row as the PostgreSQL data source store makes one (its store is another part's). */
export async function addPgSource(pool: PgPool, id: string): Promise<void> {
  await pool.query(
    `INSERT INTO data_source (id, name, type, asset, role, country_code, icon, enabled, created_at, updated_at)
     VALUES ($1, $1, 'CIM', 'SUBMETER', 'OTHER_CONSUMER', 'AT', 'METER', true, now(), now())`,
    [id],
  );
}

/** Deletes a data source as SQLite's store does: feedback goes with it, records are left to retention. */
async function deletePgSource(pool: PgPool, id: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const gone = await client.query<{ key: number }>("DELETE FROM data_source WHERE id = $1 RETURNING key", [
      id,
    ]);
    for (const { key } of gone.rows) {
      await client.query("DELETE FROM feedback_report WHERE data_source_key = $1", [key]);
      await client.query("INSERT INTO deleted_data_source (key) VALUES ($1) ON CONFLICT DO NOTHING", [key]);
    }
    await client.query("COMMIT");
  } finally {
    client.release();
  }
}

async function pgCounters(pool: PgPool, id: string): Promise<IngestCounters | undefined> {
  const result = await pool.query<{
    found: boolean;
    ma: number | null;
    mr: number | null;
    va: number | null;
    vr: number | null;
    last: number | null;
  }>(
    `SELECT c.messages_accepted AS ma, c.messages_rejected AS mr, c.values_accepted AS va, c.values_rejected AS vr,
       (extract(epoch from c.last_message_at) * 1000)::float8 AS last
     FROM data_source d LEFT JOIN ingest_counter c ON c.data_source_key = d.key WHERE d.id = $1`,
    [id],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    messagesAccepted: row.ma ?? 0,
    messagesRejected: row.mr ?? 0,
    valuesAccepted: row.va ?? 0,
    valuesRejected: row.vr ?? 0,
    lastMessageAt: row.last,
  };
}
