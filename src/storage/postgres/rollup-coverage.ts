import { HOUR_MS } from "../sqlite/hour-summary.ts";
import { epochMs } from "./pg-instant.ts";
import type { PgClient } from "./pg-pool.ts";

/** Which parts of a closed range the hourly rollup answers, and which must be read from raw values. */
export interface RollupCoverage {
  /** Half-open spans [start, end) of whole, clean, rolled-up hours. */
  readonly rolled: ReadonlyArray<readonly [number, number]>;
  /** Closed intervals [a, b] to read raw: range edges, dirty hours, hours not rolled up yet. */
  readonly raw: ReadonlyArray<readonly [number, number]>;
}

/** The coverage of the closed range [from, to] for data source `key`, as SQLite's RollupCoverageQuery splits it. */
export async function rollupCoverage(
  client: PgClient,
  key: number,
  from: number,
  to: number,
): Promise<RollupCoverage> {
  const state = await client.query<{ upto: number }>(
    `SELECT ${epochMs("rolled_up_to")} AS upto FROM aiida_rollup_state WHERE data_source_key = $1`,
    [key],
  );
  const watermark = state.rows[0]?.upto;
  if (watermark === undefined) return { rolled: [], raw: [[from, to]] };
  const fullStart = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const fullEnd = Math.min(Math.floor((to + 1) / HOUR_MS) * HOUR_MS, watermark);
  if (fullStart >= fullEnd) return { rolled: [], raw: [[from, to]] };
  const rolled: [number, number][] = [];
  const raw: [number, number][] = [];
  if (from < fullStart) raw.push([from, fullStart - 1]);
  const dirty = await client.query<{ hour: number }>(
    `SELECT ${epochMs("hour")} AS hour FROM aiida_rollup_dirty
      WHERE data_source_key = $1 AND hour >= $2 AND hour < $3 ORDER BY hour`,
    [key, new Date(fullStart), new Date(fullEnd)],
  );
  let cursor = fullStart;
  for (const hour of [...dirty.rows.map((r) => r.hour), fullEnd]) {
    if (cursor < hour) rolled.push([cursor, hour]);
    if (hour < fullEnd) raw.push([hour, hour + HOUR_MS - 1]);
    cursor = hour + HOUR_MS;
  }
  if (fullEnd <= to) raw.push([fullEnd, to]);
  return { rolled, raw };
}
