import { randomBytes } from "node:crypto";
import pg from "pg";
import type { RunContext } from "./context.ts";
import { postgresModules } from "./hub-modules.ts";
import { databaseFile } from "./provision.ts";

/**
 * The PostgreSQL server the bench creates its databases on: AIIDA_BENCH_POSTGRES_URL, or the local
 * server with trust authentication. Its own database is only used to create and drop others.
 */
export const BENCH_POSTGRES_URL =
  process.env.AIIDA_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Databases this run created, dropped by dropBenchDatabases() at the end. */
const created = new Set<string>();

/** Runs one statement on the server's own database through a connection of its own. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
  url = BENCH_POSTGRES_URL,
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a unique name; returns its URL. */
export async function createBenchDatabase(): Promise<string> {
  const name = `aiida_bench_${randomBytes(6).toString("hex")}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  created.add(name);
  const url = new URL(BENCH_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops every database this run created (WITH (FORCE): a killed hub's connections do not keep one). */
export async function dropBenchDatabases(): Promise<void> {
  for (const name of created) {
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    created.delete(name);
  }
}

/** The server's version and the settings that weigh most on the figures, for the machine facts. */
export async function postgresVersion(): Promise<string> {
  const [row] = await adminQuery<{ version: string; buffers: string; sync: string }>(
    `SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS buffers,
            current_setting('synchronous_commit') AS sync`,
  );
  return row ? `${row.version} (shared_buffers ${row.buffers}, synchronous_commit ${row.sync})` : "unknown";
}

/**
 * The PostgreSQL database of a data directory: on first use a fresh database into which the hub's own
 * importer (`aiida-hub migrate`) copies the directory's SQLite file, where the bench provisioned the
 * devices; the same database on later uses (a restarted hub, a second instance).
 */
export async function postgresFor(ctx: RunContext, dataDir: string): Promise<string> {
  const key = `postgres:${dataDir}`;
  const known = ctx.shared.get(key) as Promise<string> | undefined;
  if (known) return known;
  const made = (async () => {
    const url = await createBenchDatabase();
    const { importSqlite, openPgPool } = await postgresModules();
    const pool = openPgPool(url, { max: 2, applicationName: "aiida-hub bench import" });
    try {
      const report = await importSqlite(databaseFile(dataDir), pool);
      if (!report.complete)
        throw new Error(
          `importing ${dataDir} into PostgreSQL left different counts: ${JSON.stringify(report)}`,
        );
    } finally {
      await pool.end();
    }
    return url;
  })();
  ctx.shared.set(key, made);
  return made;
}

/** Opens a small pool on a bench database with the hub's own type parsing (int8 and numeric as numbers). */
export async function benchPool(url: string): Promise<pg.Pool> {
  const { openPgPool } = await postgresModules();
  return openPgPool(url, { max: 2, applicationName: "aiida-hub bench" });
}
