import type Database from "better-sqlite3";
import type { QuantityEnergy } from "../../domain/energy-flow.ts";
import { ENERGY_QUANTITIES, energyQuantityByKey } from "../../domain/energy-quantity.ts";
import { intervalIndex, tallyEnergy } from "../../domain/energy-tally.ts";
import { type ReadingRun, RunBuilder, singleReading } from "../../domain/reading-run.ts";
import { HOUR_MS } from "./rollup.ts";

/** OBIS keys of the quantities energy is computed from, for SQL (trusted integers from the catalogue). */
const ENERGY_KEYS = ENERGY_QUANTITIES.map((q) => q.obis.key).join(", ");

const floorHour = (ts: number) => Math.floor(ts / HOUR_MS) * HOUR_MS;
const ceilHour = (ts: number) => Math.ceil(ts / HOUR_MS) * HOUR_MS;

/** A rollup row as .raw() returns it, in the order of the SELECT. */
type RollupRow = [
  firstTs: number,
  firstValue: number,
  lastTs: number,
  lastValue: number,
  count: number,
  maxGap: number,
  rise: number,
  falls: number,
  area: number,
];

/** A raw value as .raw() returns it. */
type ValueRow = [obisKey: number, ts: number, value: number];

/**
 * Energy per interval of every energy quantity a data source has in the range, on the reader thread.
 * Whole hours that are rolled up, clean and not cut by an interval edge are read as one rollup row
 * each (a year of days reads ~9,000 rows per quantity); the rest is read raw: the range's edges that
 * are not rolled up yet, hours with late data (dirty), hours with a gap longer than the limit inside
 * (their rollup row cannot tell which part is covered), and hours an edge cuts (zones whose offset is
 * not whole hours: Asia/Kolkata's days start at hh:30 UTC).
 */
export class EnergyQuery {
  private readonly watermark;
  private readonly dirty;
  private readonly rolled;
  private readonly gappyHours;
  private readonly raw;
  private readonly rawFirst;
  private readonly lastRawBefore;
  private readonly lastRolledBefore;

  constructor(db: Database.Database) {
    // The writer thread maintains the rollup; this side only reads its state.
    this.watermark = db
      .prepare("SELECT rolled_up_to FROM aiida_rollup_state WHERE data_source_key = ?")
      .pluck();
    this.dirty = db
      .prepare(
        "SELECT hour FROM aiida_rollup_dirty WHERE data_source_key = ? AND hour >= ? AND hour < ? ORDER BY hour DESC",
      )
      .pluck();
    // One quantity at a time and only the columns the runs need: crossing into JS costs per value
    // (a year of hours, 8,760 rows a quantity, is most of an energy query's time).
    this.rolled = db
      .prepare(
        `SELECT first_ts, first_value, last_ts, last_value, count, max_gap, rise, falls, area FROM aiida_rollup_hour
         WHERE data_source_key = ? AND obis_key = ? AND hour >= ? AND hour < ? AND max_gap <= ?`,
      )
      .raw();
    this.gappyHours = db
      .prepare(
        `SELECT DISTINCT hour FROM aiida_rollup_hour WHERE data_source_key = ? AND obis_key IN (${ENERGY_KEYS})
         AND hour >= ? AND hour < ? AND max_gap > ?`,
      )
      .pluck();
    this.raw = db
      .prepare(
        `SELECT obis_key, ts, value FROM aiida_record_value
         WHERE data_source_key = ? AND ts >= ? AND ts < ? AND obis_key IN (${ENERGY_KEYS}) ORDER BY ts`,
      )
      .raw();
    this.rawFirst = db
      .prepare(
        `SELECT obis_key, ts, value FROM aiida_record_value
         WHERE data_source_key = ? AND ts >= ? AND ts <= ? AND obis_key IN (${ENERGY_KEYS}) ORDER BY ts`,
      )
      .raw();
    this.lastRawBefore = db.prepare(
      `SELECT ts, value FROM aiida_record_value WHERE data_source_key = ? AND obis_key = ? AND ts >= ? AND ts < ?
       ORDER BY ts DESC LIMIT 1`,
    );
    this.lastRolledBefore = db.prepare(
      `SELECT hour, last_ts AS ts, last_value AS value FROM aiida_rollup_hour
       WHERE data_source_key = ? AND obis_key = ? AND hour < ? ORDER BY hour DESC LIMIT 1`,
    );
  }

  /** Energy per interval between `edges` (ascending epoch ms) of each energy quantity with readings in the range. */
  run(key: number, edges: readonly number[], maxGapMs: number): QuantityEnergy[] {
    const from = edges[0];
    const to = edges.at(-1);
    if (from === undefined || to === undefined || edges.length < 2) return [];
    const watermark = this.watermark.get(key) as number | undefined;
    const runs = new Map<number, ReadingRun[]>();
    const add = (obisKey: number, run: ReadingRun) => {
      const list = runs.get(obisKey);
      if (list) list.push(run);
      else runs.set(obisKey, [run]);
    };
    for (const [a, b] of this.readRollups(key, edges, watermark, maxGapMs, add)) {
      this.readRaw(key, a, b, edges, maxGapMs, add);
    }
    const after = this.firstReadings(key, to, to + maxGapMs);
    const nearBefore = this.lastReadings(key, from - maxGapMs, from);
    const result: QuantityEnergy[] = [];
    for (const [obisKey, inRange] of [...runs].sort(([a], [b]) => a - b)) {
      const quantity = energyQuantityByKey(obisKey);
      if (!quantity) continue;
      // Rollup rows and raw readings came in two lists; each run lies in its own stretch of time.
      inRange.sort((x, y) => x.firstTs - y.firstTs);
      // A register's difference reaches back to its last reading, however long ago; power only within the limit.
      const before =
        nearBefore.get(obisKey) ??
        (quantity.method === "register" ? this.lastBefore(key, obisKey, from, watermark) : undefined);
      const next = after.get(obisKey);
      const all = [...(before ? [before] : []), ...inRange, ...(next ? [next] : [])];
      result.push({ obisKey, intervals: tallyEnergy(quantity.method, all, edges, maxGapMs) });
    }
    return result;
  }

  /**
   * Hands `add` the rollup rows of the hours the rollup can answer, and returns the stretches
   * [a, b) to read raw, in time order.
   */
  private readRollups(
    key: number,
    edges: readonly number[],
    watermark: number | undefined,
    maxGapMs: number,
    add: (obisKey: number, run: ReadingRun) => void,
  ): [number, number][] {
    const from = edges[0] ?? 0;
    const to = edges.at(-1) ?? 0;
    const rolledFrom = ceilHour(from);
    const rolledTo = Math.min(floorHour(to), watermark ?? Number.NEGATIVE_INFINITY);
    if (rolledFrom >= rolledTo) return [[from, to]];
    const rawHours = new Set<number>([
      ...(this.dirty.all(key, rolledFrom, rolledTo) as number[]),
      // An hour with a longer gap inside, of any energy quantity: its row cannot tell what is covered.
      ...(this.gappyHours.all(key, rolledFrom, rolledTo, maxGapMs) as number[]),
    ]);
    for (const edge of edges) {
      if (edge % HOUR_MS !== 0 && edge > rolledFrom && edge < rolledTo) rawHours.add(floorHour(edge));
    }
    for (const quantity of ENERGY_QUANTITIES) {
      const obisKey = quantity.obis.key;
      for (const row of this.rolled.all(key, obisKey, rolledFrom, rolledTo, maxGapMs) as RollupRow[]) {
        if (rawHours.size > 0 && rawHours.has(floorHour(row[0]))) continue;
        add(obisKey, {
          firstTs: row[0],
          firstValue: row[1],
          lastTs: row[2],
          lastValue: row[3],
          count: row[4],
          maxGap: row[5],
          rise: row[6],
          falls: row[7],
          area: row[8],
        });
      }
    }
    const stretches: [number, number][] = [];
    const push = (a: number, b: number) => {
      const last = stretches.at(-1);
      if (last && last[1] === a) last[1] = b;
      else if (a < b) stretches.push([a, b]);
    };
    push(from, rolledFrom);
    for (const hour of [...rawHours].sort((a, b) => a - b)) push(hour, hour + HOUR_MS);
    push(rolledTo, to);
    return stretches;
  }

  /**
   * Hands `add` the raw values of [from, to) as runs: consecutive values of a quantity in one interval
   * and no further apart than the limit make one run, so even a year read raw (before the rollup has
   * caught up) is a few runs per interval, streamed, not an object per value.
   */
  private readRaw(
    key: number,
    from: number,
    to: number,
    edges: readonly number[],
    maxGapMs: number,
    add: (obisKey: number, run: ReadingRun) => void,
  ): void {
    const open = new Map<number, { builder: RunBuilder; interval: number }>();
    for (const [obisKey, ts, value] of this.raw.iterate(key, from, to) as IterableIterator<ValueRow>) {
      const interval = intervalIndex(edges, ts);
      let run = open.get(obisKey);
      if (run && (run.interval !== interval || ts - run.builder.lastTs > maxGapMs)) {
        add(obisKey, run.builder.take());
        run.interval = interval;
      }
      if (!run) {
        run = { builder: new RunBuilder(), interval };
        open.set(obisKey, run);
      }
      run.builder.add(ts, value);
    }
    // Closed at the stretch's end: the next stretch may lie beyond rollup rows.
    for (const [obisKey, run] of open) if (!run.builder.empty) add(obisKey, run.builder.take());
  }

  /** The first reading of each energy quantity in [from, to]. */
  private firstReadings(key: number, from: number, to: number): Map<number, ReadingRun> {
    const found = new Map<number, ReadingRun>();
    for (const [obisKey, ts, value] of this.rawFirst.all(key, from, to) as ValueRow[]) {
      if (!found.has(obisKey)) found.set(obisKey, singleReading(ts, value));
    }
    return found;
  }

  /** The last reading of each energy quantity in [from, to). */
  private lastReadings(key: number, from: number, to: number): Map<number, ReadingRun> {
    const found = new Map<number, ReadingRun>();
    for (const [obisKey, ts, value] of this.raw.all(key, from, to) as ValueRow[]) {
      found.set(obisKey, singleReading(ts, value));
    }
    return found;
  }

  /**
   * The last reading of one quantity before `t`, however long ago, without scanning raw values back
   * to it: raw values where the rollup cannot vouch (after its watermark, and the hour `t` cuts), then
   * the newest rollup row before that, unless a dirty hour after it holds a later reading.
   */
  private lastBefore(
    key: number,
    obisKey: number,
    t: number,
    watermark: number | undefined,
  ): ReadingRun | undefined {
    const tailStart = watermark === undefined ? Number.MIN_SAFE_INTEGER : Math.min(floorHour(t), watermark);
    const inTail = this.lastRaw(key, obisKey, tailStart, t);
    if (inTail || watermark === undefined) return inTail;
    const row = this.lastRolledBefore.get(key, obisKey, tailStart) as
      | { hour: number; ts: number; value: number }
      | undefined;
    for (const hour of this.dirty.all(key, row?.hour ?? Number.MIN_SAFE_INTEGER, tailStart) as number[]) {
      const late = this.lastRaw(key, obisKey, hour, hour + HOUR_MS);
      if (late) return late;
    }
    return row ? singleReading(row.ts, row.value) : undefined;
  }

  private lastRaw(key: number, obisKey: number, from: number, to: number): ReadingRun | undefined {
    if (from >= to) return undefined;
    const row = this.lastRawBefore.get(key, obisKey, from, to) as { ts: number; value: number } | undefined;
    return row ? singleReading(row.ts, row.value) : undefined;
  }
}
