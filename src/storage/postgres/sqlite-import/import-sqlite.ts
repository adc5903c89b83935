import Database from "better-sqlite3";
import { migrate as latestSqliteVersion } from "../../sqlite/migrations.ts";
import { migratePostgres } from "../migrations.ts";
import type { PgPool } from "../pg-pool.ts";
import { type ChunkListener, copyRecords } from "./copy-records.ts";
import { copyTable } from "./copy-table.ts";
import { TABLE_COPIES } from "./table-copies.ts";

/** A copy that must not start, with the sentence that says why. */
export class ImportRefused extends Error {
  override readonly name = "ImportRefused";
}

/** One table's rows in the SQLite file and in PostgreSQL after the copy. */
export interface TableCount {
  readonly table: string;
  readonly sqlite: number;
  readonly postgres: number;
}

export interface ImportReport {
  readonly counts: readonly TableCount[];
  /** True when every table holds as many rows in PostgreSQL as in the SQLite file. */
  readonly complete: boolean;
}

export interface ImportOptions {
  /** Progress of one table (its rows copied) or of a chunk of records. */
  readonly onTable?: (table: string, rows: number) => void;
  readonly onChunk?: ChunkListener;
  /** Records per transaction (default RECORDS_PER_CHUNK). */
  readonly recordsPerChunk?: number;
}

/**
 * Copies a hub's SQLite file into a PostgreSQL database (migrated first) and compares the row counts of
 * every table. Resumable: run it again after an interruption and it goes on where it stopped. Reads one
 * snapshot of the file; the hub should be stopped, as what it writes after the snapshot is not copied.
 */
export async function importSqlite(
  file: string,
  pool: PgPool,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const sqlite = openSource(file);
  try {
    sqlite.prepare("BEGIN").run(); // one snapshot for the copy and the counts
    await migratePostgres(pool);
    await refuseOtherHub(sqlite, pool);
    for (const copy of TABLE_COPIES) {
      const rows = await copyTable(sqlite, pool, copy);
      options.onTable?.(copy.table, rows);
    }
    const copied = await copyRecords(sqlite, pool, options.onChunk, options.recordsPerChunk);
    options.onTable?.("aiida_record", copied.records);
    options.onTable?.("aiida_record_value", copied.values);
    const counts = await compareCounts(sqlite, pool);
    sqlite.prepare("COMMIT").run();
    return { counts, complete: counts.every((c) => c.sqlite === c.postgres) };
  } finally {
    sqlite.close();
  }
}

function openSource(file: string): Database.Database {
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new ImportRefused(`cannot open ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  sqlite.pragma("busy_timeout = 5000");
  try {
    const row = sqlite.prepare("SELECT max(version) AS v FROM schema_migration").get() as {
      v: number | null;
    };
    const newest = newestSqliteVersion();
    if (row.v !== newest) {
      throw new ImportRefused(
        `${file} has schema version ${row.v ?? 0}, this aiida-hub writes ${newest}: start this hub version once on it (it migrates the file), stop it, then copy.`,
      );
    }
  } catch (error) {
    sqlite.close();
    if (error instanceof ImportRefused) throw error;
    throw new ImportRefused(
      `${file} is not a hub database: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return sqlite;
}

/** The SQLite schema version this hub writes: the version a fresh in-memory database migrates to. */
function newestSqliteVersion(): number {
  const memory = new Database(":memory:");
  try {
    return latestSqliteVersion(memory);
  } finally {
    memory.close();
  }
}

/** Refuses a database that already holds another hub's data: a copy must not mix two households. */
async function refuseOtherHub(sqlite: Database.Database, pool: PgPool): Promise<void> {
  const ours = sqlite.prepare("SELECT aiida_id FROM aiida_application_information").pluck().get() as
    | string
    | undefined;
  const theirs = await pool.query<{ aiida_id: string }>("SELECT aiida_id FROM aiida_application_information");
  const other = theirs.rows.find((r) => r.aiida_id !== ours);
  if (other !== undefined) {
    throw new ImportRefused(
      `the PostgreSQL database belongs to another hub (AIIDA id ${other.aiida_id}); copy into an empty database.`,
    );
  }
  const sources = sqlite.prepare("SELECT key, id FROM data_source").all() as { key: number; id: string }[];
  const byKey = new Map(sources.map((s) => [s.key, s.id]));
  const there = await pool.query<{ key: number; id: string }>("SELECT key, id FROM data_source");
  const clash = there.rows.find((r) => byKey.get(r.key) !== r.id);
  if (clash !== undefined) {
    throw new ImportRefused(
      `the PostgreSQL database holds data source ${clash.id}, which the SQLite file does not have under the same key; copy into an empty database.`,
    );
  }
}

/** Counts not taken with count(*): values are array entries in their records' rows (aiida_record_value is a view of them). */
const POSTGRES_COUNTS: Readonly<Record<string, string>> = {
  aiida_record_value: "SELECT coalesce(sum(cardinality(obis_keys)), 0) AS n FROM aiida_record",
};

async function compareCounts(sqlite: Database.Database, pool: PgPool): Promise<TableCount[]> {
  const tables = [...new Set([...TABLE_COPIES.map((c) => c.table), "aiida_record", "aiida_record_value"])];
  const counts: TableCount[] = [];
  for (const table of tables) {
    const source = TABLE_COPIES.find((c) => c.table === table)?.source ?? table;
    const inSqlite = (sqlite.prepare(`SELECT count(*) AS n FROM ${source}`).get() as { n: number }).n;
    const inPostgres =
      (await pool.query<{ n: number }>(POSTGRES_COUNTS[table] ?? `SELECT count(*) AS n FROM ${table}`))
        .rows[0]?.n ?? 0;
    counts.push({ table, sqlite: inSqlite, postgres: inPostgres });
  }
  return counts;
}
