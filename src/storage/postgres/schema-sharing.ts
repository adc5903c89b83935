import type { PgMigration } from "./migrations.ts";

/** Permissions, EDDIE's broker credentials, the sharing outbox and its records, persistent device sessions. */
export const SHARING_SCHEMA: PgMigration = {
  version: 4,
  name: "permissions, sharing outbox, consent record, persistent device sessions",
  sql: `
    CREATE TABLE permission (
      permission_id text PRIMARY KEY,
      owner text NOT NULL,
      eddie_id text NOT NULL,
      status text NOT NULL, -- domain/permission-status.ts; changed only through its transition table
      handshake_url text NOT NULL, -- already expanded with the permission id
      access_token bytea NOT NULL, -- AES-256-GCM: iv, tag, ciphertext (platform/secret-box.ts)
      added_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      connection_id text, -- this and the next columns: from EDDIE's details, NULL until read
      data_need_id text,
      meter_id text,
      start_time timestamptz,
      expiration_time timestamptz,
      data_need text, -- JSON: the data need as EDDIE sent it with this permission
      problems text, -- JSON [{path, reason}]: why the details cannot be fulfilled
      status_reason text,
      grant_time timestamptz,
      revoke_time timestamptz,
      data_source_id text,
      data_source text, -- JSON: the shared data source at acceptance, for documents after it is deleted
      transmission_enabled boolean NOT NULL DEFAULT true,
      transmission_schedule text, -- EDDIE's override (command); NULL: the data need's
      next_step text, -- the step that still has to reach EDDIE (or the streaming side); NULL: none
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      last_error text,
      -- Insertion order, for ties of added_at (newest first) and next_attempt_at, as SQLite's rowid gives it.
      added_order bigint GENERATED ALWAYS AS IDENTITY UNIQUE
    );
    CREATE INDEX permission_owner_added ON permission (owner, added_at);
    CREATE INDEX permission_next_attempt ON permission (next_attempt_at, added_order) WHERE next_step IS NOT NULL;
    CREATE TABLE permission_mqtt_credentials (
      permission_id text PRIMARY KEY REFERENCES permission (permission_id) ON DELETE CASCADE,
      server_uri text NOT NULL,
      broker_url text NOT NULL,
      username text NOT NULL,
      password bytea NOT NULL, -- AES-256-GCM like access_token
      data_topic text NOT NULL,
      status_topic text NOT NULL,
      command_topic text NOT NULL,
      acknowledgement_topic text,
      received_at timestamptz NOT NULL
    );
    CREATE TABLE sharing_outbox (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- delivery order; never reused
      permission_id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('data', 'status')),
      channel text NOT NULL, -- the schema id of a data message, 'status' for a status message
      topic text NOT NULL,
      payload text NOT NULL,
      retain boolean NOT NULL,
      data_tags text NOT NULL, -- OBIS codes the message carries, comma-separated (consent record)
      created_at timestamptz NOT NULL
    );
    CREATE INDEX sharing_outbox_permission ON sharing_outbox (permission_id, id);
    CREATE INDEX sharing_outbox_permission_kind ON sharing_outbox (permission_id, kind, id);
    CREATE TABLE sharing_stream_state (
      permission_id text PRIMARY KEY,
      data_messages integer NOT NULL DEFAULT 0, -- data rows in sharing_outbox: the cap is checked without counting
      dropped_oldest bigint NOT NULL DEFAULT 0,
      discarded_at_end bigint NOT NULL DEFAULT 0,
      finishing_status text,
      finishing_since timestamptz,
      finished_at timestamptz
    );
    CREATE TABLE sharing_consent_value (
      permission_id text NOT NULL,
      schema text NOT NULL,
      obis_code text NOT NULL,
      values_sent bigint NOT NULL,
      first_sent_at timestamptz NOT NULL,
      last_sent_at timestamptz NOT NULL,
      PRIMARY KEY (permission_id, schema, obis_code)
    );
    CREATE TABLE sharing_last_sent (
      permission_id text NOT NULL,
      channel text NOT NULL,
      sent_at timestamptz NOT NULL,
      payload text NOT NULL,
      PRIMARY KEY (permission_id, channel)
    );
    -- Keyed by the SHA-256 of the client id's UTF-8: a client id may have 65,535 bytes, a btree entry ~2,700.
    CREATE TABLE device_session (
      client_key bytea PRIMARY KEY,
      client_id text NOT NULL, -- as the device sent it
      data_source_id text NOT NULL REFERENCES data_source (id) ON DELETE CASCADE,
      feedback_qos smallint CHECK (feedback_qos IN (0, 1, 2)), -- NULL: not subscribed to its feedback topic
      expires_at timestamptz -- NULL: never (MQTT 3.x clean=false)
    );
    CREATE INDEX device_session_data_source ON device_session (data_source_id);
    CREATE INDEX device_session_expires ON device_session (expires_at) WHERE expires_at IS NOT NULL;
    CREATE TABLE device_session_feedback (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- delivery order; never reused
      client_key bytea NOT NULL REFERENCES device_session (client_key) ON DELETE CASCADE,
      payload bytea NOT NULL,
      queued_at timestamptz NOT NULL
    );
    CREATE INDEX device_session_feedback_client ON device_session_feedback (client_key, id);
  `,
};
