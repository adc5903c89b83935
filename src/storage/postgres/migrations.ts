import type { PgPool } from "./pg-pool.ts";
import { CLUSTER_SCHEMA } from "./schema-cluster.ts";
import { CORE_SCHEMA } from "./schema-core.ts";
import { EMQX_SCHEMA } from "./schema-emqx.ts";
import { RECORD_VALUES_SCHEMA } from "./schema-record-values.ts";
import { RECORD_SCHEMA } from "./schema-records.ts";
import { ROLLUP_SCHEMA } from "./schema-rollup.ts";
import { SHARING_SCHEMA } from "./schema-sharing.ts";

/** One schema step of the PostgreSQL dialect. Versions only ever grow; a released migration is never edited. */
export interface PgMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** In version order; each part of the schema is written in its own file. */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  CORE_SCHEMA,
  RECORD_SCHEMA,
  ROLLUP_SCHEMA,
  SHARING_SCHEMA,
  EMQX_SCHEMA,
  CLUSTER_SCHEMA,
  RECORD_VALUES_SCHEMA,
];

/** Advisory lock key held while migrating: instances starting at once migrate one after the other. */
const MIGRATION_LOCK = 0x41494441; // "AIDA"

/**
 * Applies every migration newer than the database's version, each in its own transaction, under an
 * advisory lock so that several instances starting together never run one twice; up to `upTo` (tests
 * build an older schema with it). Returns the version it is at now.
 */
export async function migratePostgres(pool: PgPool, upTo = Number.POSITIVE_INFINITY): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migration (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`);
      const row = await client.query<{ v: number | null }>("SELECT max(version) AS v FROM schema_migration");
      const current = row.rows[0]?.v ?? 0;
      const newest = PG_MIGRATIONS.at(-1)?.version ?? 0;
      if (current > newest) {
        throw new Error(
          `The database has schema version ${current}, newer than this hub knows (${newest}); use a newer aiida-hub.`,
        );
      }
      let version = current;
      for (const m of PG_MIGRATIONS) {
        if (m.version <= current || m.version > upTo) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query(
            "INSERT INTO schema_migration (version, name, applied_at) VALUES ($1, $2, now())",
            [m.version, m.name],
          );
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        }
        version = m.version;
      }
      return version;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
