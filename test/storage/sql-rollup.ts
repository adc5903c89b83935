import type { RollupProgress } from "../../src/storage/ports.ts";
import { inTransaction, type PgClient, type PgPool } from "../../src/storage/postgres/pg-pool.ts";
import type { RollupStepper } from "../../src/storage/postgres/record-writer.ts";

const HOUR_MS = 3_600_000;
/** As SQLite's rollup: an hour is rolled up only this long after it ends. */
const LATE_GRACE_MS = 15 * 60_000;

/**
 * A plain SQL hourly rollup for these cases (the hub's own PostgreSQL rollup is another part's): it
 * fills what series read (min, max, sum, count, last) so that the store's reading of rolled-up, dirty
 * and raw hours can be checked against SQLite's. Energy's columns are left 0: no case here reads them.
 */
export function sqlRollupStepper(pool: PgPool): RollupStepper {
  return {
    step: (now) => inTransaction(pool, (client) => step(client, now)),
  };
}

async function step(client: PgClient, now: number): Promise<RollupProgress> {
  const none = new Map<string, string>();
  const dirty = await client.query<{ key: number; hour: number }>(
    "SELECT data_source_key AS key, (extract(epoch from hour) * 1000)::float8 AS hour FROM aiida_rollup_dirty LIMIT 1",
  );
  const first = dirty.rows[0];
  if (first) {
    await rollUp(client, first.key, first.hour, first.hour + HOUR_MS);
    await client.query("DELETE FROM aiida_rollup_dirty WHERE data_source_key = $1 AND hour = $2", [
      first.key,
      new Date(first.hour),
    ]);
    return { worked: true, failing: none };
  }
  const upto = Math.floor((now - LATE_GRACE_MS) / HOUR_MS) * HOUR_MS;
  const behind = await client.query<{ key: number; from: number | null }>(
    `SELECT d.key, (extract(epoch from coalesce(s.rolled_up_to,
         (SELECT date_trunc('hour', min(ts)) FROM aiida_record WHERE data_source_key = d.key))) * 1000)::float8 AS from
     FROM data_source d LEFT JOIN aiida_rollup_state s ON s.data_source_key = d.key
     WHERE s.rolled_up_to IS NULL OR s.rolled_up_to < $1 ORDER BY d.key`,
    [new Date(upto)],
  );
  for (const { key, from } of behind.rows) {
    if (from === null || from >= upto) continue;
    // The watermark first: a batch writing meanwhile waits for it, then marks its late hours dirty.
    await client.query(
      `INSERT INTO aiida_rollup_state (data_source_key, rolled_up_to) VALUES ($1, $2)
       ON CONFLICT (data_source_key) DO UPDATE SET rolled_up_to = excluded.rolled_up_to`,
      [key, new Date(upto)],
    );
    await rollUp(client, key, from, upto);
    return { worked: true, failing: none };
  }
  return { worked: false, failing: none };
}

async function rollUp(client: PgClient, key: number, from: number, to: number): Promise<void> {
  const range = [key, new Date(from), new Date(to)];
  await client.query(
    "DELETE FROM aiida_rollup_hour WHERE data_source_key = $1 AND hour >= $2 AND hour < $3",
    range,
  );
  await client.query(
    `INSERT INTO aiida_rollup_hour (data_source_key, obis_key, hour, min, max, sum, count, first_ts, first_value,
       last_ts, last_value, max_gap, rise, falls, area)
     SELECT data_source_key, obis_key, to_timestamp(floor(extract(epoch from ts) / 3600) * 3600) AS hour,
       min(value), max(value), sum(value), count(*), min(ts), (array_agg(value ORDER BY ts))[1],
       max(ts), (array_agg(value ORDER BY ts DESC))[1], 0, 0, 0, 0
     FROM aiida_record_value WHERE data_source_key = $1 AND ts >= $2 AND ts < $3 GROUP BY 1, 2, 3`,
    range,
  );
}
