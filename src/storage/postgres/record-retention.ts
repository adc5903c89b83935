import { HOUR_MS } from "../sqlite/hour-summary.ts";
import { msOf, pgInstant } from "./pg-instant.ts";
import type { PgClient, PgPool } from "./pg-pool.ts";
import { inTransaction } from "./pg-pool.ts";
import type { RecordMonths } from "./record-months.ts";
import { dropMonthsBefore } from "./record-partitions.ts";

/**
 * Deletes old records as SQLite's writer does (records of deleted data sources first, then records
 * older than the retention age, and what the rollup summarised of them), but whole months at once:
 * a month before the boundary month is dropped with its partitions, only the boundary month is
 * deleted row by row, in batches.
 */
export class RecordRetention {
  constructor(
    private readonly pool: PgPool,
    private readonly months: RecordMonths,
  ) {}

  /** Deletes up to about `batch` records (a dropped month may hold more); returns how many went. */
  async deleteOlderThan(before: number, batch: number): Promise<number> {
    const purged = await inTransaction(this.pool, (client) => purgeDeletedSource(client, batch));
    if (purged !== undefined) return purged;
    const dropped = await dropMonthsBefore(this.pool, before, forgetRollupsBefore);
    this.months.forget(dropped.months);
    if (dropped.records > 0) return dropped.records;
    return inTransaction(this.pool, (client) => deleteBoundaryMonth(client, before, batch));
  }
}

/**
 * Deletes up to `batch` records of one deleted data source; once none is left, forgets the source
 * and its rollups (counted as one more, so the job goes on). undefined: no deleted source is left.
 */
async function purgeDeletedSource(client: PgClient, batch: number): Promise<number | undefined> {
  // SKIP LOCKED: two instances purging at once each take a source of their own.
  const next = await client.query<{ key: number }>(
    "SELECT key FROM deleted_data_source ORDER BY key LIMIT 1 FOR UPDATE SKIP LOCKED",
  );
  const key = next.rows[0]?.key;
  if (key === undefined) return undefined;
  const cut = await client.query<{ ts: number }>(
    // Ordered by the column, not the output alias (an expression): the index walks the first `batch`, no sort.
    `SELECT ${msOf("r.ts")} AS ts FROM aiida_record r WHERE r.data_source_key = $1 ORDER BY r.ts OFFSET $2 LIMIT 1`,
    [key, batch - 1],
  );
  const upto = cut.rows[0]?.ts;
  const bound = upto === undefined ? "" : "AND ts <= $2";
  const values = upto === undefined ? [key] : [key, pgInstant(upto)];
  const records = await client.query(`DELETE FROM aiida_record WHERE data_source_key = $1 ${bound}`, values);
  const deleted = records.rowCount ?? 0;
  if (upto !== undefined) return deleted;
  await client.query("DELETE FROM deleted_data_source WHERE key = $1", [key]);
  for (const table of ["aiida_rollup_hour", "aiida_rollup_dirty", "aiida_rollup_state"]) {
    await client.query(`DELETE FROM ${table} WHERE data_source_key = $1`, [key]);
  }
  return deleted + 1;
}

/** Summaries of the hours of dropped months go with them (their hours are wholly gone). */
async function forgetRollupsBefore(client: PgClient, firstKept: number): Promise<void> {
  await client.query("DELETE FROM aiida_rollup_hour WHERE hour < $1", [pgInstant(firstKept)]);
  await client.query("DELETE FROM aiida_rollup_dirty WHERE hour < $1", [pgInstant(firstKept)]);
}

/**
 * Deletes up to `batch` records older than `before` across the data sources (an index range at the
 * start of each one's primary key), then forgets the rollups of the hours wholly gone and marks the
 * hour it cut into dirty, as SQLite's HourlyRollup.forgetThrough.
 */
async function deleteBoundaryMonth(client: PgClient, before: number, batch: number): Promise<number> {
  const deleted = await client.query<{ key: number; ts: number }>(
    `WITH doomed AS MATERIALIZED (
       SELECT r.data_source_key AS key, r.ts FROM data_source d CROSS JOIN LATERAL (
         SELECT data_source_key, ts FROM aiida_record WHERE data_source_key = d.key AND ts < $1 ORDER BY ts LIMIT $2
       ) r LIMIT $2)
     DELETE FROM aiida_record r USING doomed WHERE r.data_source_key = doomed.key AND r.ts = doomed.ts
     RETURNING r.data_source_key AS key, ${msOf("r.ts")} AS ts`,
    [pgInstant(before), batch],
  );
  if (deleted.rows.length === 0) return 0;
  const lastDeleted = new Map<number, number>();
  for (const { key, ts } of deleted.rows) lastDeleted.set(key, Math.max(lastDeleted.get(key) ?? ts, ts));
  const keys = [...lastDeleted.keys()].sort((a, b) => a - b);
  const left = await client.query<{ key: number }>(
    `SELECT key FROM unnest($1::int[]) AS key
     WHERE EXISTS (SELECT 1 FROM aiida_record WHERE data_source_key = key AND ts < $2)`,
    [keys, pgInstant(before)],
  );
  const unfinished = new Set(left.rows.map((r) => r.key));
  // Through the last deleted record, or (a source with no old record left) through before - 1.
  const upto = keys.map((key) => (unfinished.has(key) ? (lastDeleted.get(key) ?? before - 1) : before - 1));
  await forgetThrough(client, keys, upto);
  return deleted.rows.length;
}

/** Per data source: rollups of the hours wholly at or before `upto` go, the hour it cuts into is dirty. */
async function forgetThrough(client: PgClient, keys: number[], upto: number[]): Promise<void> {
  const firstKept = upto.map((u) => Math.floor((u + 1) / HOUR_MS) * HOUR_MS);
  const kept = firstKept.map(pgInstant);
  for (const table of ["aiida_rollup_hour", "aiida_rollup_dirty"]) {
    await client.query(
      `DELETE FROM ${table} t USING unnest($1::int[], $2::timestamptz[]) AS u(key, first_kept)
       WHERE t.data_source_key = u.key AND t.hour < u.first_kept`,
      [keys, kept],
    );
  }
  const cutKeys: number[] = [];
  const cutHours: string[] = [];
  const cutUpto: string[] = [];
  for (const [i, key] of keys.entries()) {
    const u = upto[i] ?? 0;
    if ((firstKept[i] ?? 0) > u) continue; // cut at an hour's end: no hour is left partly deleted
    cutKeys.push(key);
    cutHours.push(pgInstant(Math.floor(u / HOUR_MS) * HOUR_MS));
    cutUpto.push(pgInstant(u));
  }
  if (cutKeys.length === 0) return;
  await client.query(
    `INSERT INTO aiida_rollup_dirty (data_source_key, hour)
     SELECT u.key, u.hour FROM unnest($1::int[], $2::timestamptz[], $3::timestamptz[]) AS u(key, hour, upto)
     JOIN aiida_rollup_state s ON s.data_source_key = u.key WHERE u.upto < s.rolled_up_to
     ON CONFLICT DO NOTHING`,
    [cutKeys, cutHours, cutUpto],
  );
}
