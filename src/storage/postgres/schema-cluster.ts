import type { PgMigration } from "./migrations.ts";

/** Coordination of several hub instances on one database: who is alive, which devices it holds, job terms. */
export const CLUSTER_SCHEMA: PgMigration = {
  version: 6,
  name: "hub instances with heartbeats, device connections per instance, leader terms",
  sql: `
    CREATE TABLE hub_instance (
      id text PRIMARY KEY,
      started_at timestamptz NOT NULL,
      heartbeat_at timestamptz NOT NULL -- the database's clock: one clock for every instance
    );
    -- An instance's connections go with its row: a dead instance's devices stop counting as connected.
    CREATE TABLE device_connection (
      instance_id text NOT NULL REFERENCES hub_instance (id) ON DELETE CASCADE,
      client_id text NOT NULL,
      data_source_id text NOT NULL,
      connected_at timestamptz NOT NULL,
      -- One client id can be on two instances for a moment (a device reconnecting elsewhere before the old one noticed).
      PRIMARY KEY (instance_id, client_id)
    );
    CREATE INDEX device_connection_data_source ON device_connection (data_source_id);
    -- Fencing: each new holder of a leader lock takes the next term; a deposed leader's transaction sees a newer one.
    CREATE TABLE leader_term (
      lock_key bigint PRIMARY KEY,
      term bigint NOT NULL,
      holder text NOT NULL,
      acquired_at timestamptz NOT NULL
    );
  `,
};
