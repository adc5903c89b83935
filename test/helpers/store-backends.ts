import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import type { SecretBox } from "../../src/platform/secret-box.ts";
import type { AdminStore, DataSourceStore, IngestCounters, InstanceStore } from "../../src/storage/ports.ts";
import { PgAdminStore } from "../../src/storage/postgres/admin-repository.ts";
import { PgDataSourceStore } from "../../src/storage/postgres/data-source-repository.ts";
import { PgInstanceStore } from "../../src/storage/postgres/instance-repository.ts";
import { migratePostgres } from "../../src/storage/postgres/migrations.ts";
import { openPgPool, type PgPool } from "../../src/storage/postgres/pg-pool.ts";
import { SqliteAdminStore } from "../../src/storage/sqlite/admin-repository.ts";
import { DataSourceKeys } from "../../src/storage/sqlite/data-source-keys.ts";
import { SqliteDataSourceStore } from "../../src/storage/sqlite/data-source-repository.ts";
import { SqliteInstanceStore } from "../../src/storage/sqlite/instance-repository.ts";
import { openDatabase } from "../../src/storage/sqlite/open-database.ts";
import { freshDatabase } from "./postgres.ts";

/**
 * Contract tests: one set of cases run on every storage backend, so that SQLite and PostgreSQL answer
 * alike. Each backend is a fresh, migrated, empty database with the stores over it. To add a store,
 * add a field to StoreBackend and build it in both openers (and in `connectAgain`).
 */
export interface StoreBackend {
  readonly name: string;
  readonly dataSources: DataSourceStore;
  readonly admin: AdminStore;
  /** Seals with the `secrets` the backend was opened with. */
  readonly instance: InstanceStore;
  /**
   * The same stores over the same database through a connection (pool) of their own, as a second hub
   * instance has them; sealing with `secrets`. Its close() closes its own connection only; the first
   * backend's close() closes every connection and removes the database.
   */
  connectAgain(secrets?: SecretBox): Promise<StoreBackend>;
  /** Rows of a query in SQL both dialects read, with $1, $2, … placeholders: to check what a store wrote. */
  rows(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs a statement likewise: to write a row another part of the hub would write. */
  run(sql: string, params?: readonly unknown[]): Promise<void>;
  /** Sets a data source's counters as the record writer would (the dialects keep them in different tables). */
  setCounters(dataSourceId: string, counters: IngestCounters): Promise<void>;
  /** Stores a permission whose access token is sealed with `secrets`: a sealed secret is then at rest. */
  addSealedPermission(permissionId: string, secrets: SecretBox): Promise<void>;
  /** Closes every connection and removes the database. */
  close(): Promise<void>;
}

/** How to open one backend; BACKENDS lists them all for `for (const backend of BACKENDS) describe(...)`. */
export interface BackendKind {
  readonly name: string;
  open(secrets?: SecretBox): Promise<StoreBackend>;
}

export const BACKENDS: readonly BackendKind[] = [
  { name: "SQLite", open: openSqliteBackend },
  { name: "PostgreSQL", open: openPostgresBackend },
];

/** The access token's sealing context, as the permission stores use it. */
function tokenContext(permissionId: string): string {
  return `permission/${permissionId}/accessToken`;
}

/** `$n` placeholders as better-sqlite3 binds them: `?` in order of appearance, with the values to match. */
function sqliteStatement(sql: string, params: readonly unknown[]): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    values.push(params[Number(n) - 1]);
    return "?";
  });
  return { sql: text, values };
}

/** A fresh SQLite file in a temporary directory, migrated, with the SQLite stores. */
export async function openSqliteBackend(secrets?: SecretBox): Promise<StoreBackend> {
  const dir = mkdtempSync(join(tmpdir(), "aiida-store-contract-"));
  const file = join(dir, "hub.sqlite");
  const connections = new Set<Database.Database>();
  const connect = async (box: SecretBox | undefined, first = false): Promise<StoreBackend> => {
    const db = openDatabase(file);
    connections.add(db);
    return {
      name: "SQLite",
      dataSources: new SqliteDataSourceStore(db, DataSourceKeys.load(db)),
      admin: new SqliteAdminStore(db),
      instance: new SqliteInstanceStore(db, box),
      connectAgain: (again) => connect(again),
      rows: async (sql, params = []) => {
        const statement = sqliteStatement(sql, params);
        return db.prepare(statement.sql).all(...statement.values) as Record<string, unknown>[];
      },
      run: async (sql, params = []) => {
        const statement = sqliteStatement(sql, params);
        db.prepare(statement.sql).run(...statement.values);
      },
      setCounters: async (id, c) => {
        db.prepare(
          `UPDATE data_source SET messages_accepted = ?, messages_rejected = ?, values_accepted = ?,
             values_rejected = ?, last_message_at = ? WHERE id = ?`,
        ).run(
          c.messagesAccepted,
          c.messagesRejected,
          c.valuesAccepted,
          c.valuesRejected,
          c.lastMessageAt,
          id,
        );
      },
      addSealedPermission: async (permissionId, box) => {
        db.prepare(
          `INSERT INTO permission (permission_id, owner, eddie_id, status, handshake_url, access_token, added_at,
             updated_at) VALUES (?, 'admin', 'eddie', 'CREATED', 'https://eddie.test/', ?, 0, 0)`,
        ).run(permissionId, box.seal("token", tokenContext(permissionId)));
      },
      close: async () => {
        for (const connection of first ? [...connections] : [db]) {
          connection.close();
          connections.delete(connection);
        }
        if (first) rmSync(dir, { recursive: true, force: true });
      },
    };
  };
  try {
    return await connect(secrets, true);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true }); // a failed open leaves no file behind
    throw error;
  }
}

/** A fresh PostgreSQL database on the test server, migrated, with the PostgreSQL stores. */
export async function openPostgresBackend(secrets?: SecretBox): Promise<StoreBackend> {
  const database = await freshDatabase();
  const pools = new Set<PgPool>();
  const connect = async (box: SecretBox | undefined, first = false): Promise<StoreBackend> => {
    const pool = openPgPool(database.url, { max: 4 });
    pools.add(pool);
    await migratePostgres(pool);
    return {
      name: "PostgreSQL",
      dataSources: new PgDataSourceStore(pool),
      admin: new PgAdminStore(pool),
      instance: new PgInstanceStore(pool, box),
      connectAgain: (again) => connect(again),
      rows: async (sql, params = []) => (await pool.query(sql, [...params])).rows,
      run: async (sql, params = []) => {
        await pool.query(sql, [...params]);
      },
      setCounters: async (id, c) => {
        await pool.query(
          `UPDATE ingest_counter SET messages_accepted = $1, messages_rejected = $2, values_accepted = $3,
             values_rejected = $4, last_message_at = $5
           WHERE data_source_key = (SELECT key FROM data_source WHERE id = $6)`,
          [
            c.messagesAccepted,
            c.messagesRejected,
            c.valuesAccepted,
            c.valuesRejected,
            c.lastMessageAt === null ? null : new Date(c.lastMessageAt),
            id,
          ],
        );
      },
      addSealedPermission: async (permissionId, box) => {
        await pool.query(
          `INSERT INTO permission (permission_id, owner, eddie_id, status, handshake_url, access_token, added_at,
             updated_at) VALUES ($1, 'admin', 'eddie', 'CREATED', 'https://eddie.test/', $2, now(), now())`,
          [permissionId, box.seal("token", tokenContext(permissionId))],
        );
      },
      close: async () => {
        const closing = first ? [...pools] : [pool];
        for (const p of closing) pools.delete(p);
        await Promise.all(closing.map((p) => p.end()));
        if (first) await database.drop();
      },
    };
  };
  try {
    return await connect(secrets, true);
  } catch (error) {
    // A failed migration leaves neither a pool nor the database behind.
    await Promise.all([...pools].map((p) => p.end()));
    await database.drop();
    throw error;
  }
}
