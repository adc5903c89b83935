import type { PgMigration } from "./migrations.ts";

/** Hourly rollups: what charts over long ranges and energy per period read instead of raw values. */
export const ROLLUP_SCHEMA: PgMigration = {
  version: 3,
  name: "hourly rollups with what energy per period needs",
  sql: `
    CREATE TABLE aiida_rollup_hour (
      data_source_key integer NOT NULL,
      obis_key smallint NOT NULL,
      hour timestamptz NOT NULL,
      min double precision NOT NULL,
      max double precision NOT NULL,
      sum double precision NOT NULL,
      count integer NOT NULL,
      first_ts timestamptz NOT NULL,
      first_value double precision NOT NULL,
      last_ts timestamptz NOT NULL,
      last_value double precision NOT NULL,
      max_gap bigint NOT NULL, -- longest time between two consecutive values of the hour (ms); 0 for one
      rise double precision NOT NULL, -- sum of the increases between consecutive values: a register's energy
      falls integer NOT NULL, -- how often a value is below the one before: a register's resets
      area double precision NOT NULL, -- trapezoidal integral over consecutive values (value × ms): power's energy
      PRIMARY KEY (data_source_key, obis_key, hour)
    );
    CREATE TABLE aiida_rollup_state (data_source_key integer PRIMARY KEY, rolled_up_to timestamptz NOT NULL);
    -- Hours that got late data after they were rolled up: rolled up again.
    CREATE TABLE aiida_rollup_dirty (
      data_source_key integer NOT NULL,
      hour timestamptz NOT NULL,
      PRIMARY KEY (data_source_key, hour)
    );
  `,
};
