import type { PgMigration } from "./migrations.ts";

/**
 * Records and their values, partitioned by month of the device's timestamp (partitions are made ahead
 * by the record store; retention drops whole partitions), and the feedback reports kept per source.
 */
export const RECORD_SCHEMA: PgMigration = {
  version: 2,
  name: "records and values in monthly partitions, feedback reports",
  sql: `
    CREATE TABLE aiida_record (
      ts timestamptz NOT NULL, -- the device's timestamp (or the receipt time when it sent none)
      received_at timestamptz NOT NULL,
      data_source_key integer NOT NULL,
      ts_source smallint NOT NULL, -- 1 = the device's timestamp, 0 = receipt time
      PRIMARY KEY (data_source_key, ts)
    ) PARTITION BY RANGE (ts);
    -- Columns ordered widest first: 24 data bytes a row, no padding.
    CREATE TABLE aiida_record_value (
      ts timestamptz NOT NULL,
      value double precision NOT NULL,
      data_source_key integer NOT NULL,
      obis_key smallint NOT NULL,
      quality smallint NOT NULL, -- storage/sqlite/stored-quality.ts numbering
      PRIMARY KEY (data_source_key, ts, obis_key)
    ) PARTITION BY RANGE (ts);
    CREATE TABLE feedback_report (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      data_source_key integer NOT NULL,
      report text NOT NULL
    );
    CREATE INDEX feedback_report_source ON feedback_report (data_source_key, id);
  `,
};
