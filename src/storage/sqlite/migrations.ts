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
  {
    version: 2,
    name: "sharing: instance id, permissions with their pending EDDIE step, EDDIE broker credentials, owners",
    sql: `
      CREATE TABLE aiida_application_information (
        aiida_id TEXT PRIMARY KEY, -- this hub's AIIDA id: sent in every PATCH and every CIM document
        created_at INTEGER NOT NULL,
        secret_key_check BLOB -- a value sealed with the key file's key: another key file is refused at start
      );
      -- One owner today (the admin); the column is there so that several users need no new table.
      ALTER TABLE data_source ADD COLUMN owner TEXT NOT NULL DEFAULT 'admin';
      CREATE TABLE permission (
        permission_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        eddie_id TEXT NOT NULL,
        status TEXT NOT NULL, -- domain/permission-status.ts; changed only through its transition table
        handshake_url TEXT NOT NULL, -- already expanded with the permission id
        access_token BLOB NOT NULL, -- AES-256-GCM: iv, tag, ciphertext (platform/secret-box.ts)
        added_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        connection_id TEXT, -- this and the next columns: from EDDIE's details, NULL until read
        data_need_id TEXT,
        meter_id TEXT,
        start_time INTEGER,
        expiration_time INTEGER,
        data_need TEXT, -- JSON: the data need as EDDIE sent it with this permission
        problems TEXT, -- JSON [{path, reason}]: why the details cannot be fulfilled
        status_reason TEXT, -- why a permission ended in a status the user did not choose
        grant_time INTEGER,
        revoke_time INTEGER,
        data_source_id TEXT,
        data_source TEXT, -- JSON: the shared data source at acceptance, for documents after it is deleted
        transmission_enabled INTEGER NOT NULL DEFAULT 1,
        transmission_schedule TEXT, -- EDDIE's override (command); NULL: the data need's
        next_step TEXT, -- the step that still has to reach EDDIE (or the streaming side); NULL: none
        attempts INTEGER NOT NULL DEFAULT 0, -- failed tries of next_step so far
        next_attempt_at INTEGER,
        last_error TEXT -- why the last try of a step failed
      );
      CREATE INDEX permission_owner_added ON permission (owner, added_at);
      CREATE INDEX permission_next_attempt ON permission (next_attempt_at) WHERE next_step IS NOT NULL;
      -- EDDIE hands these out once: written in the same transaction as the status that says they are here.
      CREATE TABLE permission_mqtt_credentials (
        permission_id TEXT PRIMARY KEY REFERENCES permission (permission_id) ON DELETE CASCADE,
        server_uri TEXT NOT NULL,
        broker_url TEXT NOT NULL,
        username TEXT NOT NULL,
        password BLOB NOT NULL, -- AES-256-GCM like access_token
        data_topic TEXT NOT NULL,
        status_topic TEXT NOT NULL,
        command_topic TEXT NOT NULL,
        acknowledgement_topic TEXT,
        received_at INTEGER NOT NULL
      );
    `,
  },
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
  {
    version: 4,
    name: "persistent device sessions and the feedback queued for them",
    sql: `
      -- A device's MQTT session with clean=false or a session expiry: kept so that a restart of the hub
      -- does not end it. A client id is bound to one data source and ends with it.
      CREATE TABLE device_session (
        client_id TEXT PRIMARY KEY, -- as the device sent it (the MQTT endpoint limits its length)
        data_source_id TEXT NOT NULL REFERENCES data_source (id) ON DELETE CASCADE,
        feedback_qos INTEGER CHECK (feedback_qos IN (0, 1, 2)), -- NULL: not subscribed to its feedback topic
        expires_at INTEGER -- epoch ms; NULL: never (MQTT 3.x clean=false)
      );
      -- Deleting a data source looks its sessions up here (the cascade) instead of scanning them all.
      CREATE INDEX device_session_data_source ON device_session (data_source_id);
      CREATE INDEX device_session_expires ON device_session (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE device_session_feedback (
        id INTEGER PRIMARY KEY AUTOINCREMENT, -- delivery order; never reused, so a late PUBACK cannot hit a newer report
        client_id TEXT NOT NULL REFERENCES device_session (client_id) ON DELETE CASCADE,
        payload BLOB NOT NULL,
        queued_at INTEGER NOT NULL
      );
      CREATE INDEX device_session_feedback_client ON device_session_feedback (client_id, id);
    `,
  },
  {
    version: 5,
    name: "plausible ranges per data source",
    sql: `
      -- JSON {"<OBIS code>": {"min"?: n, "max"?: n}}; NULL: the household defaults of domain/plausibility.ts.
      ALTER TABLE data_source ADD COLUMN plausibility TEXT;
    `,
  },
  {
    version: 6,
    name: "a role per data source",
    sql: `
      -- GRID_METER, PV_INVERTER, BATTERY, HEAT_PUMP, EV_CHARGER or OTHER_CONSUMER (domain/data-source-role.ts).
      ALTER TABLE data_source ADD COLUMN role TEXT NOT NULL DEFAULT 'OTHER_CONSUMER';
      -- Existing rows get their asset's default role, as ASSET_DEFAULT_ROLES gave it when this was written.
      UPDATE data_source SET role = 'GRID_METER' WHERE asset = 'CONNECTION-AGREEMENT-POINT';
    `,
  },
  {
    version: 7,
    name: "hourly rollups keep what energy per period needs: first value, longest gap, rise, falls, area",
    sql: `
      -- Rebuilt empty: the rollup job rolls every hour up again from the raw values, a day per step,
      -- and queries read raw values for what is not rolled up until then.
      DROP TABLE aiida_rollup_hour;
      CREATE TABLE aiida_rollup_hour (
        data_source_key INTEGER NOT NULL,
        obis_key INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        min REAL NOT NULL,
        max REAL NOT NULL,
        sum REAL NOT NULL,
        count INTEGER NOT NULL,
        first_ts INTEGER NOT NULL,
        first_value REAL NOT NULL,
        last_ts INTEGER NOT NULL,
        last_value REAL NOT NULL,
        max_gap INTEGER NOT NULL, -- longest time between two consecutive values of the hour (ms); 0 for one
        rise REAL NOT NULL, -- sum of the increases between consecutive values: a total register's energy
        falls INTEGER NOT NULL, -- how often a value is below the one before: a total register's resets
        area REAL NOT NULL, -- trapezoidal integral over consecutive values (value × ms): power's energy
        PRIMARY KEY (data_source_key, obis_key, hour)
      ) WITHOUT ROWID;
      DELETE FROM aiida_rollup_dirty;
      DELETE FROM aiida_rollup_state;
    `,
  },
];

/**
 * Applies every migration newer than the database's version, each in its own transaction; up to
 * `upTo` (tests build an older schema with it), by default all of them. Returns the version it is at now.
 */
export function migrate(db: Database.Database, upTo = Number.POSITIVE_INFINITY): number {
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
  let version = current;
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > upTo) continue;
    inWriteTransaction(db, () => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)").run(
        m.version,
        m.name,
        Date.now(),
      );
    });
    version = m.version;
  }
  return version;
}
