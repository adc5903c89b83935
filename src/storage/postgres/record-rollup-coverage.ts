import { HOUR_MS } from "../sqlite/hour-summary.ts";
import type { RollupCoverage } from "../sqlite/rollup-coverage.ts";
import type { PgClient } from "./pg-pool.ts";
import { msOf, pgInstant } from "./record-instants.ts";

/**
 * Splits the closed range [from, to] by what the hourly rollup of data source `key` covers, exactly as
 * SQLite's RollupCoverageQuery: whole, clean hours below the watermark read the rollup, the rest raw.
 */
export async function rollupCoverage(
  client: PgClient,
  key: number,
  from: number,
  to: number,
): Promise<RollupCoverage> {
  const state = await client.query<{ upto: number }>({
    name: "record-coverage-watermark",
    text: `SELECT ${msOf("rolled_up_to")} AS upto FROM aiida_rollup_state WHERE data_source_key = $1`,
    values: [key],
  });
  const watermark = state.rows[0]?.upto;
  if (watermark === undefined) return { rolled: [], raw: [[from, to]] };
  const fullStart = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const fullEnd = Math.min(Math.floor((to + 1) / HOUR_MS) * HOUR_MS, watermark);
  if (fullStart >= fullEnd) return { rolled: [], raw: [[from, to]] };
  const rolled: [number, number][] = [];
  const raw: [number, number][] = [];
  if (from < fullStart) raw.push([from, fullStart - 1]);
  const dirty = await client.query<{ hour: number }>({
    name: "record-coverage-dirty",
    text: `SELECT ${msOf("hour")} AS hour FROM aiida_rollup_dirty
           WHERE data_source_key = $1 AND hour >= $2 AND hour < $3 ORDER BY hour`,
    values: [key, pgInstant(fullStart), pgInstant(fullEnd)],
  });
  let cursor = fullStart;
  for (const hour of [...dirty.rows.map((r) => r.hour), fullEnd]) {
    if (cursor < hour) rolled.push([cursor, hour]);
    if (hour < fullEnd) raw.push([hour, hour + HOUR_MS - 1]);
    cursor = hour + HOUR_MS;
  }
  if (fullEnd <= to) raw.push([fullEnd, to]);
  return { rolled, raw };
}
