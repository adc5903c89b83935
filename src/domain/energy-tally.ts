import type { EnergyMethod } from "./energy-quantity.ts";
import type { ReadingRun } from "./reading-run.ts";

const MS_PER_HOUR = 3_600_000;

/** Energy of one quantity in one interval. */
export interface IntervalEnergy {
  /**
   * kWh in the interval; null when unknown: for a register, no reading lies in the interval; for power,
   * no pair of readings no more than the gap limit apart covers any of it.
   */
  readonly kWh: number | null;
  /** Share of the interval covered by readings no more than the gap limit apart, 0..1. */
  readonly completeness: number;
  /** Decreases of a total register in the interval (a meter reset or replacement): each counts as no energy. */
  readonly resets: number;
}

/**
 * Energy of one quantity per interval between `edges` (ascending epoch ms; n + 1 edges make n intervals).
 *
 * `runs` are the quantity's readings in time order: the last one before the first edge (if any), the
 * runs inside the range, and the first one at or after the last edge (if any). Each run lies wholly in
 * one interval and has no gap longer than `maxGapMs` inside (the caller reads such hours as single
 * readings).
 *
 * - register: the sum of the increases between consecutive readings, each counted in the interval of
 *   the later reading; so without a reset it is the last value in the interval minus the last value
 *   before it, however long ago that was. A decrease (meter reset or replacement) counts as zero and
 *   is counted in `resets`: the interval holding it gets the increases before and after it, and only
 *   the energy between the last reading before the reset and the reset itself (unknown) is missing.
 * - power: the trapezoidal integral of kW over time, over pairs of consecutive readings no more than
 *   `maxGapMs` apart; a pair across an edge is split there, by the straight line between its readings.
 *
 * Completeness is the share of each interval between such pairs of readings, for both methods.
 */
export function tallyEnergy(
  method: EnergyMethod,
  runs: readonly ReadingRun[],
  edges: readonly number[],
  maxGapMs: number,
): IntervalEnergy[] {
  const tally = new Tally(method, edges);
  let previous: ReadingRun | undefined;
  for (const run of runs) {
    const k = intervalIndex(edges, run.firstTs);
    if (intervalIndex(edges, run.lastTs) !== k) throw new Error("a reading run crosses an interval edge");
    if (previous && run.firstTs <= previous.lastTs) throw new Error("reading runs are not in time order");
    const inside = k >= 0 && k < tally.intervals;
    if (inside) {
      if (run.maxGap > maxGapMs) throw new Error("a reading run has a gap longer than the limit inside");
      tally.addRun(k, run);
    }
    if (previous) {
      if (method === "register" && inside) tally.addStep(k, run.firstValue - previous.lastValue);
      if (run.firstTs - previous.lastTs <= maxGapMs) {
        tally.addPair(previous.lastTs, previous.lastValue, run.firstTs, run.firstValue);
      }
    }
    previous = run;
  }
  return tally.result();
}

/** Sums per interval: energy (kWh for a register, kW × ms for power), covered time, resets, readings. */
class Tally {
  readonly intervals: number;
  private readonly amount: Float64Array;
  private readonly covered: Float64Array;
  private readonly resets: Float64Array;
  private readonly readings: Float64Array;

  constructor(
    private readonly method: EnergyMethod,
    private readonly edges: readonly number[],
  ) {
    this.intervals = edges.length - 1;
    this.amount = new Float64Array(this.intervals);
    this.covered = new Float64Array(this.intervals);
    this.resets = new Float64Array(this.intervals);
    this.readings = new Float64Array(this.intervals);
  }

  addRun(k: number, run: ReadingRun): void {
    add(this.readings, k, run.count);
    add(this.covered, k, run.lastTs - run.firstTs);
    if (this.method === "register") {
      add(this.amount, k, run.rise);
      add(this.resets, k, run.falls);
    } else {
      add(this.amount, k, run.area);
    }
  }

  /** A register's step from one run to the next, counted in the interval of the later reading. */
  addStep(k: number, step: number): void {
    if (step >= 0) add(this.amount, k, step);
    else add(this.resets, k, 1);
  }

  /**
   * Splits the straight line between two readings at the interval edges it crosses, giving each
   * interval it passes through its covered time and (power) its trapezoid.
   */
  addPair(t1: number, v1: number, t2: number, v2: number): void {
    const first = Math.max(0, intervalIndex(this.edges, t1));
    const last = Math.min(this.intervals - 1, intervalIndex(this.edges, t2));
    for (let k = first; k <= last; k++) {
      const a = Math.max(t1, this.edges[k] ?? 0);
      const b = Math.min(t2, this.edges[k + 1] ?? 0);
      if (b <= a) continue;
      // A pair inside one interval uses its own values, so no rounding from interpolating at its ends.
      const va = a === t1 ? v1 : v1 + ((v2 - v1) * (a - t1)) / (t2 - t1);
      const vb = b === t2 ? v2 : v1 + ((v2 - v1) * (b - t1)) / (t2 - t1);
      add(this.covered, k, b - a);
      if (this.method === "power") add(this.amount, k, ((va + vb) / 2) * (b - a));
    }
  }

  result(): IntervalEnergy[] {
    return Array.from({ length: this.intervals }, (_, k) => {
      const length = (this.edges[k + 1] ?? 0) - (this.edges[k] ?? 0);
      const cover = this.covered[k] ?? 0;
      const sum = this.amount[k] ?? 0;
      // A register says something with one reading (the difference to the one before); power needs a pair.
      const none = this.method === "register" ? (this.readings[k] ?? 0) === 0 : cover === 0;
      return {
        kWh: none ? null : this.method === "register" ? sum : sum / MS_PER_HOUR,
        completeness: Math.min(1, cover / length),
        resets: this.resets[k] ?? 0,
      };
    });
  }
}

function add(sums: Float64Array, k: number, value: number): void {
  sums[k] = (sums[k] ?? 0) + value;
}

/**
 * The interval an instant falls in: k with edges[k] ≤ ts < edges[k + 1]; −1 before the first edge,
 * n (the number of intervals) at or after the last.
 */
export function intervalIndex(edges: readonly number[], ts: number): number {
  let low = 0;
  let high = edges.length; // edges[low - 1] <= ts < edges[high] holds throughout, with edges[-1] = −∞
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((edges[mid] ?? 0) <= ts) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}
