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
  // Version 2 (permissions) comes from the permission side; versions need not be contiguous.
  {
    version: 3,
    name: "sharing outbox, stream state, consent record, last message sent",
    sql: `
      CREATE TABLE sharing_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT, -- delivery order; AUTOINCREMENT never reuses an id
        permission_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('data', 'status')),
        channel TEXT NOT NULL, -- the schema id of a data message, 'status' for a status message
        topic TEXT NOT NULL,
        payload TEXT NOT NULL,
        retain INTEGER NOT NULL,
        data_tags TEXT NOT NULL, -- OBIS codes the message carries, comma-separated (consent record)
        created_at INTEGER NOT NULL
      );
      CREATE INDEX sharing_outbox_permission ON sharing_outbox (permission_id, id);
      CREATE INDEX sharing_outbox_permission_kind ON sharing_outbox (permission_id, kind, id);
      CREATE TABLE sharing_stream_state (
        permission_id TEXT PRIMARY KEY,
        data_messages INTEGER NOT NULL DEFAULT 0, -- data rows in sharing_outbox: the cap is checked without counting
        dropped_oldest INTEGER NOT NULL DEFAULT 0, -- data messages dropped by the outbox cap
        discarded_at_end INTEGER NOT NULL DEFAULT 0, -- messages left undelivered when the permission ended
        finishing_status TEXT, -- the final status message's status once the permission is ending
        finishing_since INTEGER,
        finished_at INTEGER -- the outbox was delivered or discarded and the connection closed
      );
      CREATE TABLE sharing_consent_value (
        permission_id TEXT NOT NULL,
        schema TEXT NOT NULL,
        obis_code TEXT NOT NULL,
        values_sent INTEGER NOT NULL,
        first_sent_at INTEGER NOT NULL,
        last_sent_at INTEGER NOT NULL,
        PRIMARY KEY (permission_id, schema, obis_code)
      ) WITHOUT ROWID;
      CREATE TABLE sharing_last_sent (
        permission_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (permission_id, channel)
      ) WITHOUT ROWID;
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
