import type Database from "better-sqlite3";
import { obisByCode, obisByKey } from "../../domain/obis-code.ts";
import type { ExportPage, ExportPageQuery } from "../ports.ts";
import { RollupCoverageQuery } from "./rollup-coverage.ts";

/**
 * Reads for exports: which quantities a range holds, and its records page by page as columns of numbers.
 * Both are range scans on the primary keys; a page costs the same wherever it lies in a year.
 */
export class ExportQuery {
  private readonly coverage: RollupCoverageQuery;
  private readonly rolledKeys;
  private readonly rawKeys;
  private readonly pageTimes;
  private readonly pageValues;

  constructor(db: Database.Database) {
    this.coverage = new RollupCoverageQuery(db);
    this.rolledKeys = db
      .prepare(
        "SELECT DISTINCT obis_key FROM aiida_rollup_hour WHERE data_source_key = ? AND hour >= ? AND hour < ?",
      )
      .pluck();
    this.rawKeys = db
      .prepare(
        "SELECT DISTINCT obis_key FROM aiida_record_value WHERE data_source_key = ? AND ts >= ? AND ts <= ?",
      )
      .pluck();
    this.pageTimes = db
      .prepare(
        "SELECT ts FROM aiida_record WHERE data_source_key = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?",
      )
      .pluck();
    // Arrays, not objects, per row: a page of thousands of rows is read for every page of an export.
    this.pageValues = db
      .prepare(
        "SELECT ts, obis_key, value FROM aiida_record_value WHERE data_source_key = ? AND ts >= ? AND ts <= ? ORDER BY ts",
      )
      .raw();
  }

  /** OBIS codes with values at `from` ≤ ts < `to`, in catalogue (key) order. */
  quantitiesIn(key: number, from: number, to: number): string[] {
    if (from >= to) return [];
    const found = new Set<number>();
    const { rolled, raw } = this.coverage.of(key, from, to - 1);
    for (const [start, end] of rolled) {
      for (const k of this.rolledKeys.all(key, start, end) as number[]) found.add(k);
    }
    for (const [a, b] of raw) {
      for (const k of this.rawKeys.all(key, a, b) as number[]) found.add(k);
    }
    return [...found]
      .sort((x, y) => x - y)
      .flatMap((k) => {
        const code = obisByKey(k)?.code;
        return code === undefined ? [] : [code];
      });
  }

  /** Up to `limit` records at `from` ≤ ts < `to`, oldest first, with the values of `columns`. */
  page(key: number, q: ExportPageQuery): ExportPage {
    const times = this.pageTimes.all(key, q.from, q.to, q.limit) as number[];
    const width = q.columns.length;
    const timestamps = Float64Array.from(times);
    const values = new Float64Array(times.length * width).fill(Number.NaN);
    const first = times[0];
    const last = times.at(-1);
    if (first === undefined || last === undefined || width === 0) return { timestamps, values };
    // Column of each stored OBIS key, -1 for values the export leaves out.
    const columnOf = new Int32Array(Math.max(0, ...q.columns.map((c) => obisByCode(c)?.key ?? 0)) + 1).fill(
      -1,
    );
    q.columns.forEach((code, column) => {
      const k = obisByCode(code)?.key;
      if (k !== undefined) columnOf[k] = column;
    });
    let row = 0;
    // all() rather than iterate(): the page is bounded, and stepping row by row costs twice the time.
    for (const [ts, obisKey, value] of this.pageValues.all(key, first, last) as [number, number, number][]) {
      // Both are ordered by ts; a value without its record (deleted in between) is passed over.
      while (row < timestamps.length && (timestamps[row] ?? 0) < ts) row++;
      if (timestamps[row] !== ts) continue;
      const column = obisKey < columnOf.length ? (columnOf[obisKey] ?? -1) : -1;
      if (column >= 0) values[row * width + column] = value;
    }
    return { timestamps, values };
  }
}
