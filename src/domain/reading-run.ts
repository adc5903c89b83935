/**
 * Consecutive readings of one quantity, summarised: either a single reading or an hour of them as
 * the hourly rollup keeps it. Energy per period is computed from runs, so an hour of 1,200 readings
 * costs as little as one.
 */
export interface ReadingRun {
  readonly firstTs: number;
  readonly firstValue: number;
  readonly lastTs: number;
  readonly lastValue: number;
  /** Readings in the run. */
  readonly count: number;
  /** Longest time between two consecutive readings inside the run (0 for one reading). */
  readonly maxGap: number;
  /** Sum of the increases between consecutive readings inside the run. */
  readonly rise: number;
  /** How often a reading inside the run is lower than the one before it. */
  readonly falls: number;
  /** Trapezoidal integral of the value over time inside the run, in value × milliseconds. */
  readonly area: number;
}

/** One reading as a run of its own. */
export function singleReading(ts: number, value: number): ReadingRun {
  return {
    firstTs: ts,
    firstValue: value,
    lastTs: ts,
    lastValue: value,
    count: 1,
    maxGap: 0,
    rise: 0,
    falls: 0,
    area: 0,
  };
}

/**
 * Builds a run from readings added in time order, one at a time, without keeping them: a stretch
 * of raw values becomes a few runs instead of an object per value.
 */
export class RunBuilder {
  private firstTs = 0;
  private firstValue = 0;
  private lastValue = 0;
  private count = 0;
  private maxGap = 0;
  private rise = 0;
  private falls = 0;
  private area = 0;
  /** Time of the last reading added (meaningless while empty). */
  lastTs = 0;

  get empty(): boolean {
    return this.count === 0;
  }

  add(ts: number, value: number): void {
    if (this.count === 0) {
      this.firstTs = ts;
      this.firstValue = value;
    } else {
      this.maxGap = Math.max(this.maxGap, ts - this.lastTs);
      if (value >= this.lastValue) this.rise += value - this.lastValue;
      else this.falls += 1;
      this.area += ((value + this.lastValue) / 2) * (ts - this.lastTs);
    }
    this.lastTs = ts;
    this.lastValue = value;
    this.count += 1;
  }

  /** The run of the readings added since the last take (at least one), and starts afresh. */
  take(): ReadingRun {
    if (this.count === 0) throw new Error("a run needs at least one reading");
    const run: ReadingRun = {
      firstTs: this.firstTs,
      firstValue: this.firstValue,
      lastTs: this.lastTs,
      lastValue: this.lastValue,
      count: this.count,
      maxGap: this.maxGap,
      rise: this.rise,
      falls: this.falls,
      area: this.area,
    };
    this.count = 0;
    this.maxGap = 0;
    this.rise = 0;
    this.falls = 0;
    this.area = 0;
    return run;
  }
}

/**
 * Summarises readings (ascending by time, at least one) into one run, as the hourly rollup does in
 * SQL for the readings of one hour.
 */
export function summariseReadings(readings: ReadonlyArray<readonly [number, number]>): ReadingRun {
  const builder = new RunBuilder();
  for (const [ts, value] of readings) builder.add(ts, value);
  return builder.take();
}
