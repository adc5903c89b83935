import type { PgMigration } from "./migrations.ts";

/** Data sources, their device credentials (shaped for EMQX), ingest counters, the admin, this hub's identity. */
export const CORE_SCHEMA: PgMigration = {
  version: 1,
  name: "data sources, device credentials, ingest counters, admin, instance",
  sql: `
    CREATE TABLE data_source (
      key integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- compact id for record rows; never reused
      id text NOT NULL UNIQUE,
      owner text NOT NULL DEFAULT 'admin',
      name text NOT NULL,
      type text NOT NULL,
      asset text NOT NULL,
      role text NOT NULL,
      country_code text NOT NULL,
      icon text NOT NULL,
      meter_id text,
      operator_id text,
      plausibility text, -- JSON {"<OBIS code>": {"min"?: n, "max"?: n}}; NULL: the household defaults
      enabled boolean NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    -- Counters change with every batch: kept out of data_source so that its rows (read by the broker's
    -- credential view) are not rewritten thousands of times a second.
    CREATE TABLE ingest_counter (
      data_source_key integer PRIMARY KEY REFERENCES data_source (key) ON DELETE CASCADE,
      messages_accepted bigint NOT NULL DEFAULT 0,
      messages_rejected bigint NOT NULL DEFAULT 0,
      values_accepted bigint NOT NULL DEFAULT 0,
      values_rejected bigint NOT NULL DEFAULT 0,
      last_message_at timestamptz
    );
    -- Named and shaped so that EMQX's PostgreSQL authenticator and authorizer can read the same rows.
    CREATE TABLE data_source_mqtt_user (
      username text PRIMARY KEY REFERENCES data_source (id) ON DELETE CASCADE,
      password_hash text NOT NULL,
      salt text NOT NULL,
      is_superuser boolean NOT NULL DEFAULT false
    );
    CREATE TABLE data_source_mqtt_acl (
      username text NOT NULL REFERENCES data_source (id) ON DELETE CASCADE,
      action text NOT NULL,
      permission text NOT NULL,
      topic text NOT NULL
    );
    CREATE INDEX data_source_mqtt_acl_username ON data_source_mqtt_acl (username);
    -- Keys of deleted data sources whose records the retention job has yet to delete.
    CREATE TABLE deleted_data_source (key integer PRIMARY KEY);
    CREATE TABLE admin_user (username text PRIMARY KEY, password_hash text NOT NULL);
    CREATE TABLE admin_session (
      token_digest text PRIMARY KEY,
      username text NOT NULL,
      expires_at timestamptz NOT NULL
    );
    CREATE TABLE aiida_application_information (
      aiida_id text PRIMARY KEY, -- this hub's AIIDA id: sent in every PATCH and every CIM document
      created_at timestamptz NOT NULL,
      secret_key_check bytea -- a value sealed with the key file's key: another key file is refused at start
    );
    -- One row at most: two instances starting at once store one id (the second's INSERT does nothing).
    CREATE UNIQUE INDEX aiida_application_information_one_row ON aiida_application_information ((true));
  `,
};
