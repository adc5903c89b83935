import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { SECRET_KEY_BYTES, SecretBox } from "../../src/platform/secret-box.ts";
import type { DeviceSessionStore, PermissionStore, SharingOutboxStore } from "../../src/storage/ports.ts";
import { PgDeviceSessionStore } from "../../src/storage/postgres/device-session-repository.ts";
import { migratePostgres } from "../../src/storage/postgres/migrations.ts";
import { PgPermissionStore } from "../../src/storage/postgres/permission-repository.ts";
import { openPgPool, type PgPool } from "../../src/storage/postgres/pg-pool.ts";
import { PgSharingOutboxStore } from "../../src/storage/postgres/sharing-outbox-repository.ts";
import { SqliteDeviceSessionStore } from "../../src/storage/sqlite/device-session-repository.ts";
import { openDatabase } from "../../src/storage/sqlite/open-database.ts";
import { SqlitePermissionStore } from "../../src/storage/sqlite/permission-repository.ts";
import { SqliteSharingOutboxStore } from "../../src/storage/sqlite/sharing-outbox-repository.ts";
import { type FreshDatabase, freshDatabase } from "./postgres.ts";

/** The sharing stores of one backend over one database, and what tests need to look behind them. */
export interface SharingStores {
  readonly permissions: PermissionStore;
  readonly outbox: SharingOutboxStore;
  readonly sessions: DeviceSessionStore;
  /** Runs SQL both dialects read alike, with `?` placeholders (no `?` in its literals); its rows, if any. */
  rows<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Inserts an enabled data source row with SQL (device sessions need one: a foreign key). */
  addDataSource(id: string): Promise<void>;
  /**
   * New stores over the same database, as after a restart of the hub, sealing with `secrets` (null:
   * without the key; by default these stores' box); these ones are closed.
   */
  reopen(secrets?: SecretBox | null): Promise<SharingStores>;
}

export interface SharingBackend {
  readonly name: "SQLite" | "PostgreSQL";
  /** Once per test file (in `before`): PostgreSQL creates and migrates its fresh database. */
  setUp(): Promise<void>;
  /** Once per test file (in `after`): ends every connection, drops the database. */
  tearDown(): Promise<void>;
  /** Empty stores for one test; secrets are sealed with `secrets` (none: stores without the key). */
  open(secrets: SecretBox | undefined): Promise<SharingStores>;
}

/** A box over a new random key. */
export function testSecretBox(): SecretBox {
  return SecretBox.fromKey(randomBytes(SECRET_KEY_BYTES));
}

/** Tables the sharing stores write, emptied between tests on the one PostgreSQL database of a file. */
const SHARING_TABLES = [
  "permission",
  "permission_mqtt_credentials",
  "sharing_outbox",
  "sharing_stream_state",
  "sharing_consent_value",
  "sharing_last_sent",
  "device_session",
  "device_session_feedback",
  "data_source",
];

/** `?` placeholders as PostgreSQL's `$1`, `$2`, … */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

function sqliteBackend(): SharingBackend {
  const dirs: string[] = [];
  const open = new Set<Database.Database>();

  function storesOver(file: string, secrets: SecretBox | undefined): SharingStores {
    const db = openDatabase(file);
    open.add(db);
    const close = () => {
      open.delete(db);
      db.close();
    };
    return {
      // Sync until the stores answer with promises (another branch); awaiting a plain value is the same.
      permissions: new SqlitePermissionStore(db, secrets),
      outbox: new SqliteSharingOutboxStore(db),
      sessions: new SqliteDeviceSessionStore(db),
      rows: async <T>(sql: string, params: readonly unknown[] = []) => {
        const statement = db.prepare(sql);
        // A statement without result rows (UPDATE, DELETE) is run; better-sqlite3 refuses all() on it.
        if (!statement.reader) {
          statement.run(...params);
          return [];
        }
        return statement.all(...params) as T[];
      },
      addDataSource: async (id) => {
        db.prepare(
          `INSERT INTO data_source (id, name, type, asset, role, country_code, icon, enabled, owner, created_at,
             updated_at) VALUES (?, ?, 'CIM', 'SUBMETER', 'OTHER_CONSUMER', 'AT', 'METER', 1, 'admin', 0, 0)`,
        ).run(id, id);
      },
      reopen: async (next = secrets) => {
        close();
        return storesOver(file, next ?? undefined);
      },
    };
  }

  return {
    name: "SQLite",
    setUp: async () => {},
    tearDown: async () => {
      for (const db of open) db.close();
      open.clear();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
    open: async (secrets) => {
      const dir = mkdtempSync(join(tmpdir(), "aiida-sharing-"));
      dirs.push(dir);
      return storesOver(join(dir, "hub.sqlite"), secrets);
    },
  };
}

function postgresBackend(): SharingBackend {
  let database: FreshDatabase | undefined;
  const pools = new Set<PgPool>();

  const newPool = () => {
    if (database === undefined) throw new Error("setUp() was not called");
    const pool = openPgPool(database.url, { max: 4 });
    pools.add(pool);
    return pool;
  };

  function storesOver(pool: PgPool, secrets: SecretBox | undefined): SharingStores {
    return {
      permissions: new PgPermissionStore(pool, secrets),
      outbox: new PgSharingOutboxStore(pool),
      sessions: new PgDeviceSessionStore(pool),
      rows: async <T>(sql: string, params: readonly unknown[] = []) =>
        (await pool.query(numbered(sql), [...params])).rows as T[],
      addDataSource: async (id) => {
        await pool.query(
          `INSERT INTO data_source (id, name, type, asset, role, country_code, icon, enabled, owner, created_at,
             updated_at) VALUES ($1, $1, 'CIM', 'SUBMETER', 'OTHER_CONSUMER', 'AT', 'METER', true, 'admin',
             to_timestamp(0), to_timestamp(0))`,
          [id],
        );
      },
      reopen: async (next = secrets) => {
        pools.delete(pool);
        await pool.end();
        return storesOver(newPool(), next ?? undefined);
      },
    };
  }

  const endPools = async () => {
    await Promise.all([...pools].map((pool) => pool.end()));
    pools.clear();
  };

  return {
    name: "PostgreSQL",
    setUp: async () => {
      database = await freshDatabase();
      await migratePostgres(newPool());
    },
    tearDown: async () => {
      await endPools();
      await database?.drop();
    },
    open: async (secrets) => {
      await endPools(); // the previous test's
      const pool = newPool();
      // One database per file: each test starts from empty tables (identities go on: ids are never reused).
      await pool.query(`TRUNCATE ${SHARING_TABLES.join(", ")} CASCADE`);
      return storesOver(pool, secrets);
    },
  };
}

/** Both backends, for contract tests: `for (const backend of sharingBackends()) describe(backend.name, …)`. */
export function sharingBackends(): SharingBackend[] {
  return [sqliteBackend(), postgresBackend()];
}
