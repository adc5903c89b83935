import { obisByKey } from "../../domain/obis-code.ts";
import type { SeriesPoint } from "../ports.ts";
import { HOUR_MS } from "../sqlite/hour-summary.ts";
import { msOf, pgInstant } from "./pg-instant.ts";
import type { PgClient } from "./pg-pool.ts";
import { rollupCoverage } from "./rollup-coverage.ts";

/** One bucket's part: all its clean rollup hours, or one raw stretch's values; they add up in JS. */
interface PartialRow {
  obis: number;
  b: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  last_ts: number;
  last: number;
}

/** A bucket being filled. */
interface Accumulator {
  min: number;
  max: number;
  sum: number;
  count: number;
  lastTs: number;
  last: number;
}

/**
 * Bucket index of a timestamptz column: floor, so an instant before 1970 falls in the bucket below, not
 * bucket 0. Float seconds rounded to the ms (exact: instants are whole ms) are cheaper than numeric.
 */
const bucketOf = (column: string) => `floor(round(date_part('epoch', ${column}) * 1000) / $2)`;

/**
 * The clean rolled-up hours per bucket, summed in SQL: a year is ~1,000 rows to Node instead of one
 * per hour and quantity. Each bucket's sum adds its hours in time order, as the JS merge did before,
 * so buckets stay equal to the bit; the last value is the newest hour's (hours do not overlap).
 */
const ROLLED_SQL = `
  SELECT obis_key AS obis, b, min(min) AS min, max(max) AS max, sum(sum ORDER BY hour) AS sum,
         sum(count) AS count, ${msOf("max(last_ts)")} AS last_ts,
         (array_agg(last_value ORDER BY hour DESC))[1] AS last
    FROM (SELECT obis_key, ${bucketOf("hour")} AS b, hour, min, max, sum, count, last_ts, last_value
            FROM aiida_rollup_hour
           WHERE data_source_key = $1 AND hour >= $3 AND hour < $4 AND hour <> ALL($5::timestamptz[])
             AND ($6::smallint[] IS NULL OR obis_key = ANY($6))) h
   GROUP BY obis_key, b`;

/**
 * Downsampled series, bucketed as SQLite's SeriesQuery: buckets of whole hours read aiida_rollup_hour
 * for the clean rolled-up hours and raw values for the rest; other sizes read raw values. Runs in one
 * snapshot (the caller's REPEATABLE READ transaction): the watermark, dirty hours and rows agree.
 */
export async function seriesOf(
  client: PgClient,
  key: number,
  from: number,
  to: number,
  bucketMs: number,
  wanted: readonly number[] | undefined,
): Promise<Map<string, SeriesPoint[]>> {
  const buckets = new Map<string, Accumulator>();
  const add = (row: PartialRow) => {
    const id = `${row.obis}:${row.b}`;
    const acc = buckets.get(id);
    if (!acc) {
      buckets.set(id, { ...row, lastTs: row.last_ts });
      return;
    }
    acc.min = Math.min(acc.min, row.min);
    acc.max = Math.max(acc.max, row.max);
    acc.sum += row.sum;
    acc.count += row.count;
    if (row.last_ts > acc.lastTs) {
      acc.lastTs = row.last_ts;
      acc.last = row.last;
    }
  };
  const obisFilter = wanted ? [...wanted] : null;
  const { rolled, raw } =
    bucketMs % HOUR_MS === 0
      ? await rollupCoverage(client, key, from, to)
      : { rolled: [], raw: [[from, to] as const] };
  const rolledFrom = rolled[0]?.[0];
  const rolledTo = rolled.at(-1)?.[1];
  if (rolledFrom !== undefined && rolledTo !== undefined) {
    // One range without the dirty hours in it (plain bounds: the planner sees one index range).
    const rows = await client.query<PartialRow>({
      name: "record-series-rolled-buckets",
      text: ROLLED_SQL,
      values: [
        key,
        bucketMs,
        pgInstant(rolledFrom),
        pgInstant(rolledTo),
        hoursBetween(rolled).map(pgInstant),
        obisFilter,
      ],
    });
    for (const row of rows.rows) add(row);
  }
  for (const [a, b] of raw) {
    // The last value of a bucket is the value at its newest instant: one index probe per bucket. Sums in
    // time order, as the rollup's: the same values give the same bits whichever plan groups them.
    const rows = await client.query<PartialRow>({
      name: "record-series-raw",
      text: `SELECT g.obis, g.b, g.min, g.max, g.sum, g.count, ${msOf("g.last_ts")} AS last_ts, v.value AS last
             FROM (SELECT obis_key AS obis, ${bucketOf("ts")} AS b, min(value) AS min, max(value) AS max,
                     sum(value ORDER BY ts) AS sum, count(*) AS count, max(ts) AS last_ts
                   FROM aiida_record_value WHERE data_source_key = $1 AND ts >= $3 AND ts <= $4
                     AND ($5::smallint[] IS NULL OR obis_key = ANY($5))
                   GROUP BY 1, 2) g
             JOIN aiida_record_value v ON v.data_source_key = $1 AND v.ts = g.last_ts AND v.obis_key = g.obis`,
      values: [key, bucketMs, pgInstant(a), pgInstant(b), obisFilter],
    });
    for (const row of rows.rows) add(row);
  }
  return toSeries(buckets, bucketMs);
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

function toSeries(buckets: Map<string, Accumulator>, bucketMs: number): Map<string, SeriesPoint[]> {
  const sorted = [...buckets].map(([id, acc]) => {
    const [obis, b] = id.split(":").map(Number) as [number, number];
    return { obis, b, acc };
  });
  sorted.sort((x, y) => x.obis - y.obis || x.b - y.b);
  const result = new Map<string, SeriesPoint[]>();
  for (const { obis, b, acc } of sorted) {
    const code = obisByKey(obis)?.code;
    if (!code) continue;
    const points = result.get(code) ?? [];
    points.push({
      t: b * bucketMs,
      min: acc.min,
      avg: acc.sum / acc.count,
      max: acc.max,
      last: acc.last,
      count: acc.count,
    });
    result.set(code, points);
  }
  return result;
}
