import type { PgMigration } from "./migrations.ts";

/**
 * A record's values move into its own row, as three arrays in ascending quantity order (quantity keys,
 * numbers, qualities): a message is one row and one index entry instead of one per value, which is
 * most of PostgreSQL's work per message. The view aiida_record_value shows them a value a row, as
 * before, for the queries that read them so.
 */
export const RECORD_VALUES_SCHEMA: PgMigration = {
  version: 7,
  name: "a record's values as arrays in its row, aiida_record_value a view of them",
  sql: `
    ALTER TABLE aiida_record
      ADD COLUMN obis_keys smallint[] NOT NULL DEFAULT '{}',
      ADD COLUMN quantity_values double precision[] NOT NULL DEFAULT '{}',
      ADD COLUMN qualities smallint[] NOT NULL DEFAULT '{}';
    UPDATE aiida_record r
       SET obis_keys = v.obis_keys, quantity_values = v.quantity_values, qualities = v.qualities
      FROM (SELECT data_source_key, ts, array_agg(obis_key ORDER BY obis_key) AS obis_keys,
                   array_agg(value ORDER BY obis_key) AS quantity_values,
                   array_agg(quality ORDER BY obis_key) AS qualities
              FROM aiida_record_value GROUP BY data_source_key, ts) v
     WHERE r.data_source_key = v.data_source_key AND r.ts = v.ts;
    DROP TABLE aiida_record_value;
    ALTER TABLE aiida_record
      ALTER COLUMN obis_keys DROP DEFAULT,
      ALTER COLUMN quantity_values DROP DEFAULT,
      ALTER COLUMN qualities DROP DEFAULT;
    CREATE VIEW aiida_record_value AS
      SELECT r.ts, v.value, r.data_source_key, v.obis_key, v.quality
        FROM aiida_record r
        CROSS JOIN LATERAL unnest(r.obis_keys, r.quantity_values, r.qualities) AS v (obis_key, value, quality);
  `,
};
