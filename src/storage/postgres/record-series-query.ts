import { obisByKey } from "../../domain/obis-code.ts";
import type { SeriesPoint } from "../ports.ts";
import { HOUR_MS } from "../sqlite/hour-summary.ts";
import { pgInstant } from "./pg-instant.ts";
import type { PgClient } from "./pg-pool.ts";
import { rollupCoverage } from "./rollup-coverage.ts";

/** One finished bucket of one quantity, as the statement returns it. */
interface BucketRow {
  obis: number;
  b: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
}

/** Bucket index of a timestamptz column: floor, so an instant before 1970 falls in the bucket below, not bucket 0. */
const bucketOf = (column: string) => `floor(extract(epoch from ${column}) * 1000 / $2)::float8`;

/**
 * One row per bucket and quantity. Parts: the clean rolled-up hours (one range of aiida_rollup_hour
 * without the dirty hours in it) and the raw stretches (one grouped index range each, with the value
 * at each bucket's newest instant). The parts' sums add in the order the JS merge added them before
 * (rollup hours, then raw stretches, each in time order), so every bucket is the same to the last bit.
 */
const SERIES_SQL = `
  WITH parts AS (
    SELECT 0 AS src, h.hour AS t, h.obis_key AS obis, ${bucketOf("h.hour")} AS b, h.min, h.max, h.sum,
           h.count, h.last_ts, h.last_value AS last
      FROM aiida_rollup_hour h
     WHERE h.data_source_key = $1 AND h.hour >= $3 AND h.hour < $4 AND h.hour <> ALL($5::timestamptz[])
       AND ($8::smallint[] IS NULL OR h.obis_key = ANY($8))
    UNION ALL
    SELECT 1, s.a, g.obis, g.b, g.min, g.max, g.sum, g.count, g.last_ts, v.value
      FROM unnest($6::timestamptz[], $7::timestamptz[]) AS s(a, e)
     CROSS JOIN LATERAL (
           SELECT obis_key AS obis, ${bucketOf("ts")} AS b, min(value) AS min, max(value) AS max,
                  sum(value) AS sum, count(*)::integer AS count, max(ts) AS last_ts
             FROM aiida_record_value
            WHERE data_source_key = $1 AND ts >= s.a AND ts <= s.e
              AND ($8::smallint[] IS NULL OR obis_key = ANY($8))
            GROUP BY 1, 2) g
      JOIN aiida_record_value v ON v.data_source_key = $1 AND v.ts = g.last_ts AND v.obis_key = g.obis)
  SELECT obis, b, min(min) AS min, max(max) AS max, sum(sum ORDER BY src, t) AS sum, sum(count) AS count,
         (array_agg(last ORDER BY last_ts DESC))[1] AS last
    FROM parts GROUP BY obis, b ORDER BY obis, b`;

/**
 * Downsampled series, bucketed as SQLite's SeriesQuery: buckets of whole hours read aiida_rollup_hour
 * for the clean rolled-up hours and raw values for the rest; other sizes read raw values. Runs in one
 * snapshot (the caller's REPEATABLE READ transaction): the watermark, dirty hours and rows agree.
 * Aggregated per bucket in SQL: a year of hourly rows never travels to Node, only ~1,000 buckets.
 */
export async function seriesOf(
  client: PgClient,
  key: number,
  from: number,
  to: number,
  bucketMs: number,
  wanted: readonly number[] | undefined,
): Promise<Map<string, SeriesPoint[]>> {
  const { rolled, raw } =
    bucketMs % HOUR_MS === 0
      ? await rollupCoverage(client, key, from, to)
      : { rolled: [], raw: [[from, to] as const] };
  const rolledFrom = rolled[0]?.[0] ?? from;
  const rolledTo = rolled.at(-1)?.[1] ?? from;
  const result = await client.query<BucketRow>({
    name: "record-series",
    text: SERIES_SQL,
    values: [
      key,
      bucketMs,
      pgInstant(rolledFrom),
      pgInstant(rolledTo),
      hoursBetween(rolled).map(pgInstant),
      raw.map(([a]) => pgInstant(a)),
      raw.map(([, b]) => pgInstant(b)),
      wanted ? [...wanted] : null,
    ],
  });
  return toSeries(result.rows, bucketMs);
}

/** The hours between consecutive rolled-up stretches: the dirty hours, which the rollup does not vouch for. */
function hoursBetween(rolled: ReadonlyArray<readonly [number, number]>): number[] {
  const hours: number[] = [];
  for (let i = 1; i < rolled.length; i++) {
    const gapEnd = rolled[i]?.[0] ?? 0;
    for (let hour = rolled[i - 1]?.[1] ?? gapEnd; hour < gapEnd; hour += HOUR_MS) hours.push(hour);
  }
  return hours;
}

/** Rows ordered by quantity, then bucket, into one series per known quantity. */
function toSeries(rows: readonly BucketRow[], bucketMs: number): Map<string, SeriesPoint[]> {
  const result = new Map<string, SeriesPoint[]>();
  for (const row of rows) {
    const code = obisByKey(row.obis)?.code;
    if (!code) continue;
    const points = result.get(code) ?? [];
    points.push({
      t: row.b * bucketMs,
      min: row.min,
      avg: row.sum / row.count,
      max: row.max,
      last: row.last,
      count: row.count,
    });
    result.set(code, points);
  }
  return result;
}
