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
 * Summarises readings (ascending by time, at least one) into one run, as the hourly rollup does in
 * SQL for the readings of one hour.
 */
export function summariseReadings(readings: ReadonlyArray<readonly [number, number]>): ReadingRun {
  const [first, ...rest] = readings;
  if (!first) throw new Error("a run needs at least one reading");
  let [lastTs, lastValue] = first;
  let maxGap = 0;
  let rise = 0;
  let falls = 0;
  let area = 0;
  for (const [ts, value] of rest) {
    maxGap = Math.max(maxGap, ts - lastTs);
    if (value >= lastValue) rise += value - lastValue;
    else falls += 1;
    area += ((value + lastValue) / 2) * (ts - lastTs);
    lastTs = ts;
    lastValue = value;
  }
  return {
    firstTs: first[0],
    firstValue: first[1],
    lastTs,
    lastValue,
    count: readings.length,
    maxGap,
    rise,
    falls,
    area,
  };
}
