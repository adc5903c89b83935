import type Database from "better-sqlite3";
import { HOUR_MS } from "./rollup.ts";

/** Which parts of a closed range the hourly rollup answers, and which must be read from raw values. */
export interface RollupCoverage {
  /** Half-open spans [start, end) of whole, clean, rolled-up hours. */
  readonly rolled: ReadonlyArray<readonly [number, number]>;
  /** Closed intervals [a, b] to read raw: range edges, dirty hours, hours not rolled up yet. */
  readonly raw: ReadonlyArray<readonly [number, number]>;
}

/** Splits a range by what the hourly rollup of one data source covers (the writer thread maintains it). */
export class RollupCoverageQuery {
  private readonly watermark;
  private readonly dirty;

  constructor(db: Database.Database) {
    this.watermark = db.prepare(
      "SELECT rolled_up_to AS upto FROM aiida_rollup_state WHERE data_source_key = ?",
    );
    this.dirty = db.prepare(
      "SELECT hour FROM aiida_rollup_dirty WHERE data_source_key = ? AND hour >= ? AND hour < ? ORDER BY hour",
    );
  }

  /** The coverage of the closed range [from, to] for data source `key`. */
  of(key: number, from: number, to: number): RollupCoverage {
    const watermark = (this.watermark.get(key) as { upto: number } | undefined)?.upto;
    if (watermark === undefined) return { rolled: [], raw: [[from, to]] };
    const fullStart = Math.ceil(from / HOUR_MS) * HOUR_MS;
    const fullEnd = Math.min(Math.floor((to + 1) / HOUR_MS) * HOUR_MS, watermark);
    if (fullStart >= fullEnd) return { rolled: [], raw: [[from, to]] };
    const rolled: [number, number][] = [];
    const raw: [number, number][] = [];
    if (from < fullStart) raw.push([from, fullStart - 1]);
    let cursor = fullStart;
    const dirtyHours = (this.dirty.all(key, fullStart, fullEnd) as { hour: number }[]).map((r) => r.hour);
    for (const hour of [...dirtyHours, fullEnd]) {
      if (cursor < hour) rolled.push([cursor, hour]);
      if (hour < fullEnd) raw.push([hour, hour + HOUR_MS - 1]);
      cursor = hour + HOUR_MS;
    }
    if (fullEnd <= to) raw.push([fullEnd, to]);
    return { rolled, raw };
  }
}
