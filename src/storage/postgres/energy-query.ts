import type { QuantityEnergy } from "../../domain/energy-flow.ts";
import { ENERGY_QUANTITIES, energyQuantityByKey } from "../../domain/energy-quantity.ts";
import { intervalIndex, tallyEnergy } from "../../domain/energy-tally.ts";
import { type ReadingRun, RunBuilder, singleReading } from "../../domain/reading-run.ts";
import { HOUR_MS } from "../sqlite/hour-summary.ts";
import { msOf, pgInstant } from "./pg-instant.ts";
import type { PgClient } from "./pg-pool.ts";
import { rawEnergyValues } from "./raw-energy-values.ts";

/** OBIS keys of the quantities energy is computed from. */
const ENERGY_KEYS = ENERGY_QUANTITIES.map((q) => q.obis.key);

const floorHour = (ts: number) => Math.floor(ts / HOUR_MS) * HOUR_MS;
const ceilHour = (ts: number) => Math.ceil(ts / HOUR_MS) * HOUR_MS;

/** A rollup row as an array: OBIS key, hour, then the columns of a reading run in ReadingRun's order. */
type RollupRow = [number, number, number, number, number, number, number, number, number, number, number];

/**
 * A timestamptz column as epoch ms: float seconds rounded to the ms (exact for years 1–9999, as the
 * instants are whole ms). A year is ~17,500 rollup rows: cheaper than msOf's numeric arithmetic.
 */
const msRounded = (column: string) => `round(date_part('epoch', ${column}) * 1000)`;

/**
 * Energy per interval of every energy quantity a data source has in the range, as SQLite's
 * EnergyQuery answers it: whole hours that are rolled up, clean, without a gap longer than the limit
 * and not cut by an interval edge are read as one rollup row each; the rest is read raw. Runs on one
 * client inside a read snapshot (read-snapshot.ts), so all its queries see the same data.
 */
export class PgEnergyQuery {
  constructor(private readonly db: PgClient) {}

  /** Energy per interval between `edges` (ascending epoch ms) of each energy quantity with readings in the range. */
  async run(key: number, edges: readonly number[], maxGapMs: number): Promise<QuantityEnergy[]> {
    const from = edges[0];
    const to = edges.at(-1);
    if (from === undefined || to === undefined || edges.length < 2) return [];
    const watermark = await this.watermark(key);
    const runs = new Map<number, ReadingRun[]>();
    const add = (obisKey: number, run: ReadingRun) => {
      const list = runs.get(obisKey);
      if (list) list.push(run);
      else runs.set(obisKey, [run]);
    };
    for (const [a, b] of await this.readRollups(key, edges, watermark, maxGapMs, add)) {
      await this.readRaw(key, a, b, edges, maxGapMs, add);
    }
    const after = await this.firstReadings(key, to, to + maxGapMs);
    const nearBefore = await this.lastReadings(key, from - maxGapMs, from);
    const result: QuantityEnergy[] = [];
    for (const [obisKey, inRange] of [...runs].sort(([a], [b]) => a - b)) {
      const quantity = energyQuantityByKey(obisKey);
      if (!quantity) continue;
      // Rollup rows and raw readings came in two lists; each run lies in its own stretch of time.
      inRange.sort((x, y) => x.firstTs - y.firstTs);
      // A register's difference reaches back to its last reading, however long ago; power only within the limit.
      const before =
        nearBefore.get(obisKey) ??
        (quantity.method === "register" ? await this.lastBefore(key, obisKey, from, watermark) : undefined);
      const next = after.get(obisKey);
      const all = [...(before ? [before] : []), ...inRange, ...(next ? [next] : [])];
      result.push({ obisKey, intervals: tallyEnergy(quantity.method, all, edges, maxGapMs) });
    }
    return result;
  }

  private async watermark(key: number): Promise<number | undefined> {
    const row = await this.db.query<{ upto: number }>(
      `SELECT ${msOf("rolled_up_to")} AS upto FROM aiida_rollup_state WHERE data_source_key = $1`,
      [key],
    );
    return row.rows[0]?.upto;
  }

  /** Dirty hours in [from, to), newest first. */
  private async dirtyHours(key: number, from: number, to: number): Promise<number[]> {
    const rows = await this.db.query<{ hour: number }>(
      `SELECT ${msOf("d.hour")} AS hour FROM aiida_rollup_dirty d
        WHERE d.data_source_key = $1 AND d.hour >= $2 AND d.hour < $3 ORDER BY d.hour DESC`,
      [key, pgInstant(from), pgInstant(to)],
    );
    return rows.rows.map((r) => r.hour);
  }

  /**
   * Hands `add` the rollup rows of the hours the rollup can answer, and returns the stretches
   * [a, b) to read raw, in time order.
   */
  private async readRollups(
    key: number,
    edges: readonly number[],
    watermark: number | undefined,
    maxGapMs: number,
    add: (obisKey: number, run: ReadingRun) => void,
  ): Promise<[number, number][]> {
    const from = edges[0] ?? 0;
    const to = edges.at(-1) ?? 0;
    const rolledFrom = ceilHour(from);
    const rolledTo = Math.min(floorHour(to), watermark ?? Number.NEGATIVE_INFINITY);
    if (rolledFrom >= rolledTo) return [[from, to]];
    const bounds = [key, new Date(rolledFrom), new Date(rolledTo)];
    // An hour with a longer gap inside, of any energy quantity: its row cannot tell what is covered.
    const gappy = await this.db.query<{ hour: number }>(
      `SELECT DISTINCT ${msOf("hour")} AS hour FROM aiida_rollup_hour WHERE data_source_key = $1
         AND obis_key = ANY($4::smallint[]) AND hour >= $2 AND hour < $3 AND max_gap > $5`,
      [...bounds, ENERGY_KEYS, maxGapMs],
    );
    const rawHours = new Set<number>([
      ...(await this.dirtyHours(key, rolledFrom, rolledTo)),
      ...gappy.rows.map((r) => r.hour),
    ]);
    for (const edge of edges) {
      if (edge % HOUR_MS !== 0 && edge > rolledFrom && edge < rolledTo) rawHours.add(floorHour(edge));
    }
    // Rows as arrays: no object with named keys per row for the ~17,500 rows of a year.
    const rolled = await this.db.query<RollupRow>({
      text: `SELECT obis_key, ${msRounded("hour")}, ${msRounded("first_ts")}, first_value, ${msRounded("last_ts")},
               last_value, count, max_gap, rise, falls, area
             FROM aiida_rollup_hour WHERE data_source_key = $1 AND obis_key = ANY($4::smallint[])
              AND hour >= $2 AND hour < $3 AND max_gap <= $5`,
      values: [...bounds, ENERGY_KEYS, maxGapMs],
      rowMode: "array",
    });
    for (const [
      obisKey,
      hour,
      firstTs,
      firstValue,
      lastTs,
      lastValue,
      count,
      maxGap,
      rise,
      falls,
      area,
    ] of rolled.rows) {
      if (rawHours.has(hour)) continue;
      add(obisKey, { firstTs, firstValue, lastTs, lastValue, count, maxGap, rise, falls, area });
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
   * caught up) is a few runs per interval, read page by page.
   */
  private async readRaw(
    key: number,
    from: number,
    to: number,
    edges: readonly number[],
    maxGapMs: number,
    add: (obisKey: number, run: ReadingRun) => void,
  ): Promise<void> {
    const open = new Map<number, { builder: RunBuilder; interval: number }>();
    for await (const [obisKey, ts, value] of rawEnergyValues(this.db, key, from, to, ENERGY_KEYS)) {
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
  private async firstReadings(key: number, from: number, to: number): Promise<Map<number, ReadingRun>> {
    return this.oneReadingEach(key, from, to, "v.ts >= $2 AND v.ts <= $3", "ASC");
  }

  /** The last reading of each energy quantity in [from, to). */
  private async lastReadings(key: number, from: number, to: number): Promise<Map<number, ReadingRun>> {
    return this.oneReadingEach(key, from, to, "v.ts >= $2 AND v.ts < $3", "DESC");
  }

  private async oneReadingEach(
    key: number,
    from: number,
    to: number,
    range: string,
    order: "ASC" | "DESC",
  ): Promise<Map<number, ReadingRun>> {
    const rows = await this.db.query<{ obisKey: number; ts: number; value: number }>(
      `SELECT DISTINCT ON (v.obis_key) v.obis_key AS "obisKey", ${msOf("v.ts")} AS ts, v.value
         FROM aiida_record_value v
        WHERE v.data_source_key = $1 AND ${range} AND v.obis_key = ANY($4::smallint[])
        ORDER BY v.obis_key, v.ts ${order}`,
      [key, pgInstant(from), pgInstant(to), ENERGY_KEYS],
    );
    return new Map(rows.rows.map((r) => [r.obisKey, singleReading(r.ts, r.value)]));
  }

  /**
   * The last reading of one quantity before `t`, however long ago, without scanning raw values back
   * to it: raw values where the rollup cannot vouch (after its watermark, and the hour `t` cuts), then
   * the newest rollup row before that, unless a dirty hour after it holds a later reading.
   */
  private async lastBefore(
    key: number,
    obisKey: number,
    t: number,
    watermark: number | undefined,
  ): Promise<ReadingRun | undefined> {
    const tailStart = watermark === undefined ? Number.NEGATIVE_INFINITY : Math.min(floorHour(t), watermark);
    const inTail = await this.lastRaw(key, obisKey, tailStart, t);
    if (inTail || watermark === undefined) return inTail;
    // By the column h.hour, not the alias (an expression): one backward step in the primary key.
    const rolled = await this.db.query<{ hour: number; ts: number; value: number }>(
      `SELECT ${msOf("h.hour")} AS hour, ${msOf("h.last_ts")} AS ts, h.last_value AS value FROM aiida_rollup_hour h
        WHERE h.data_source_key = $1 AND h.obis_key = $2 AND h.hour < $3 ORDER BY h.hour DESC LIMIT 1`,
      [key, obisKey, pgInstant(tailStart)],
    );
    const row = rolled.rows[0];
    for (const hour of await this.dirtyHours(key, row?.hour ?? Number.NEGATIVE_INFINITY, tailStart)) {
      const late = await this.lastRaw(key, obisKey, hour, hour + HOUR_MS);
      if (late) return late;
    }
    return row ? singleReading(row.ts, row.value) : undefined;
  }

  private async lastRaw(
    key: number,
    obisKey: number,
    from: number,
    to: number,
  ): Promise<ReadingRun | undefined> {
    if (from >= to) return undefined;
    // Ordered by the column v.ts, not by the output alias ts (an expression, which sorts every row of the
    // range): a backward index walk that stops at the first value, even from the very beginning.
    const rows = await this.db.query<{ ts: number; value: number }>(
      `SELECT ${msOf("v.ts")} AS ts, v.value FROM aiida_record_value v
        WHERE v.data_source_key = $1 AND v.obis_key = $2 AND v.ts >= $3 AND v.ts < $4 ORDER BY v.ts DESC LIMIT 1`,
      [key, obisKey, pgInstant(from), pgInstant(to)],
    );
    const row = rows.rows[0];
    return row ? singleReading(row.ts, row.value) : undefined;
  }
}
