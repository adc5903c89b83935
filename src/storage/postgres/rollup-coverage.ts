import { HOUR_MS } from "../sqlite/hour-summary.ts";
import type { RollupCoverage } from "../sqlite/rollup-coverage.ts";
import { msOf, pgInstant } from "./pg-instant.ts";
import type { PgClient } from "./pg-pool.ts";

/** The coverage of the closed range [from, to] for data source `key`, as SQLite's RollupCoverageQuery splits it. */
export async function rollupCoverage(
  client: PgClient,
  key: number,
  from: number,
  to: number,
): Promise<RollupCoverage> {
  const state = await client.query<{ upto: number }>(
    `SELECT ${msOf("rolled_up_to")} AS upto FROM aiida_rollup_state WHERE data_source_key = $1`,
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
    `SELECT ${msOf("hour")} AS hour FROM aiida_rollup_dirty
      WHERE data_source_key = $1 AND hour >= $2 AND hour < $3 ORDER BY hour`,
    [key, pgInstant(fullStart), pgInstant(fullEnd)],
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
