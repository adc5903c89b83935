import type Database from "better-sqlite3";
import { inWriteTransaction } from "./write-transaction.ts";

/** One schema step. Versions only ever grow; a released migration is never edited. */
interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "data sources, device credentials, records, hourly rollups, feedback, admin",
    sql: `
      CREATE TABLE data_source (
        key INTEGER PRIMARY KEY AUTOINCREMENT, -- compact id for record rows; AUTOINCREMENT never reuses a deleted key
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        asset TEXT NOT NULL,
        country_code TEXT NOT NULL,
        icon TEXT NOT NULL,
        meter_id TEXT,
        operator_id TEXT,
        enabled INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        messages_accepted INTEGER NOT NULL DEFAULT 0,
        messages_rejected INTEGER NOT NULL DEFAULT 0,
        values_accepted INTEGER NOT NULL DEFAULT 0,
        values_rejected INTEGER NOT NULL DEFAULT 0,
        last_message_at INTEGER
      );
      -- Named and shaped so that EMQX's PostgreSQL authenticator/authorizer queries can read the same rows.
      CREATE TABLE data_source_mqtt_user (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        salt TEXT NOT NULL,
        is_superuser INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE data_source_mqtt_acl (
        username TEXT NOT NULL,
        action TEXT NOT NULL,
        permission TEXT NOT NULL,
        topic TEXT NOT NULL
      );
      CREATE INDEX data_source_mqtt_acl_username ON data_source_mqtt_acl (username);
      CREATE TABLE aiida_record (
        data_source_key INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        received_delta INTEGER NOT NULL, -- receipt time minus ts: a few bytes instead of a full timestamp
        ts_source INTEGER NOT NULL, -- 1 = the device's timestamp, 0 = receipt time
        PRIMARY KEY (data_source_key, ts)
      ) WITHOUT ROWID;
      CREATE TABLE aiida_record_value (
        data_source_key INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        obis_key INTEGER NOT NULL,
        value REAL NOT NULL,
        quality INTEGER NOT NULL, -- storage/sqlite/stored-quality.ts; 0 = AS_PROVIDED costs no data byte
        PRIMARY KEY (data_source_key, ts, obis_key)
      ) WITHOUT ROWID;
      CREATE TABLE aiida_rollup_hour (
        data_source_key INTEGER NOT NULL,
        obis_key INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        min REAL NOT NULL,
        max REAL NOT NULL,
        sum REAL NOT NULL,
        count INTEGER NOT NULL,
        last_ts INTEGER NOT NULL,
        last_value REAL NOT NULL,
        PRIMARY KEY (data_source_key, obis_key, hour)
      ) WITHOUT ROWID;
      CREATE TABLE aiida_rollup_state (data_source_key INTEGER PRIMARY KEY, rolled_up_to INTEGER NOT NULL);
      CREATE TABLE aiida_rollup_dirty (
        data_source_key INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        PRIMARY KEY (data_source_key, hour)
      ) WITHOUT ROWID;
      CREATE TABLE deleted_data_source (key INTEGER PRIMARY KEY);
      CREATE TABLE feedback_report (
        id INTEGER PRIMARY KEY,
        data_source_key INTEGER NOT NULL,
        report TEXT NOT NULL
      );
      CREATE INDEX feedback_report_source ON feedback_report (data_source_key, id);
      CREATE TABLE admin_user (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL);
      CREATE TABLE admin_session (
        token_digest TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
];

/** Applies every migration newer than the database's version, each in its own transaction. */
export function migrate(db: Database.Database): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migration (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const current =
    (db.prepare("SELECT max(version) AS v FROM schema_migration").get() as { v: number | null }).v ?? 0;
  const newest = MIGRATIONS.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new Error(
      `The database has schema version ${current}, newer than this hub knows (${newest}); use a newer aiida-hub.`,
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    inWriteTransaction(db, () => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)").run(
        m.version,
        m.name,
        Date.now(),
      );
    });
  }
  return newest;
}
