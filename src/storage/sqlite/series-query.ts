import type Database from "better-sqlite3";
import { obisByKey } from "../../domain/obis-code.ts";
import type { SeriesPoint } from "../ports.ts";
import { HOUR_MS } from "./rollup.ts";
import { RollupCoverageQuery } from "./rollup-coverage.ts";

/** A bucket being filled: raw values and rollup rows both add into it. */
interface Accumulator {
  min: number;
  max: number;
  sum: number;
  count: number;
  lastTs: number;
  last: number;
}

interface PartialRow {
  obis_key: number;
  b: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  last_ts: number;
  last: number;
}

/**
 * Downsampled series: buckets aligned to multiples of the bucket size since the epoch. Buckets of
 * whole hours read the hourly rollup for the hours that are rolled up and clean, and raw values
 * for the rest (range edges, the current hour, dirty hours); other sizes read raw values.
 */
export class SeriesQuery {
  private readonly raw;
  private readonly rolled;
  private readonly valueAt;
  private readonly coverage: RollupCoverageQuery;

  constructor(db: Database.Database) {
    this.coverage = new RollupCoverageQuery(db);
    // ts and the bucket size bind as REAL: floor gives the bucket index, also before 1970 (CAST alone
    // would truncate toward zero and put -1 ms into bucket 0).
    this.raw = db.prepare(
      `SELECT obis_key, CAST(floor(ts / ?) AS INTEGER) AS b, min(value) AS min, max(value) AS max, total(value) AS sum,
         count(*) AS count, max(ts) AS last_ts, 0 AS last
       FROM aiida_record_value WHERE data_source_key = ? AND ts >= ? AND ts <= ? GROUP BY obis_key, b`,
    );
    // One row per hour, merged in JS: SQL could not carry the last value of the newest hour through a GROUP BY.
    this.rolled = db.prepare(
      `SELECT obis_key, CAST(floor(hour / ?) AS INTEGER) AS b, min, max, sum, count, last_ts, last_value AS last
       FROM aiida_rollup_hour WHERE data_source_key = ? AND hour >= ? AND hour < ?`,
    );
    this.valueAt = db.prepare(
      "SELECT value FROM aiida_record_value WHERE data_source_key = ? AND ts = ? AND obis_key = ?",
    );
  }

  run(
    key: number,
    from: number,
    to: number,
    bucketMs: number,
    wanted: Set<number> | undefined,
  ): Map<string, SeriesPoint[]> {
    const buckets = new Map<string, Accumulator>();
    const add = (row: PartialRow, lastFromRow: boolean) => {
      if (wanted && !wanted.has(row.obis_key)) return;
      const id = `${row.obis_key}:${row.b}`;
      const acc = buckets.get(id);
      if (!acc) {
        const last = lastFromRow ? row.last : this.lastValue(key, row.last_ts, row.obis_key);
        buckets.set(id, {
          min: row.min,
          max: row.max,
          sum: row.sum,
          count: row.count,
          lastTs: row.last_ts,
          last,
        });
        return;
      }
      acc.min = Math.min(acc.min, row.min);
      acc.max = Math.max(acc.max, row.max);
      acc.sum += row.sum;
      acc.count += row.count;
      if (row.last_ts > acc.lastTs) {
        acc.lastTs = row.last_ts;
        acc.last = lastFromRow ? row.last : this.lastValue(key, row.last_ts, row.obis_key);
      }
    };
    const useRollup = (rows: PartialRow[]) => {
      for (const r of rows) add(r, true);
    };
    for (const [a, b] of this.rawIntervals(key, from, to, bucketMs, useRollup)) {
      for (const row of this.raw.all(bucketMs, key, a, b) as PartialRow[]) add(row, false);
    }
    return toSeries(buckets, bucketMs);
  }

  /**
   * Feeds rollup rows for the clean rolled-up hours inside [from, to] to `useRollup`, and returns the
   * closed intervals that must be read raw.
   */
  private rawIntervals(
    key: number,
    from: number,
    to: number,
    bucketMs: number,
    useRollup: (rows: PartialRow[]) => void,
  ): ReadonlyArray<readonly [number, number]> {
    if (bucketMs % HOUR_MS !== 0) return [[from, to]];
    const { rolled, raw } = this.coverage.of(key, from, to);
    for (const [start, end] of rolled) useRollup(this.rolled.all(bucketMs, key, start, end) as PartialRow[]);
    return raw;
  }

  private lastValue(key: number, ts: number, obisKey: number): number {
    return (this.valueAt.get(key, ts, obisKey) as { value: number } | undefined)?.value ?? Number.NaN;
  }
}

function toSeries(buckets: Map<string, Accumulator>, bucketMs: number): Map<string, SeriesPoint[]> {
  const result = new Map<string, SeriesPoint[]>();
  const sorted = [...buckets].map(([id, acc]) => {
    const [obisKey, b] = id.split(":").map(Number) as [number, number];
    return { obisKey, b, acc };
  });
  sorted.sort((x, y) => x.obisKey - y.obisKey || x.b - y.b);
  for (const { obisKey, b, acc } of sorted) {
    const code = obisByKey(obisKey)?.code;
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
