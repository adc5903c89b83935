/** Median, minimum and maximum of the repetitions of one measurement. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Every repetition's value, in the order measured. */
  readonly samples: readonly number[];
}

/** The median (mean of the middle two for an even count), min and max of some repetitions. */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, samples: values };
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted.at(-1) as number, samples: values };
}

/** The nearest-rank percentile `p` (0..100) of an ascending array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** A growable list of numbers (latencies in ms) that sorts without boxing. */
export class Samples {
  private buf = new Float64Array(1024);
  private n = 0;

  push(x: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = x;
  }

  get count(): number {
    return this.n;
  }

  /** A sorted copy. */
  sorted(): Float64Array {
    return this.buf.slice(0, this.n).sort();
  }

  /** p50, p99, p99.9 and max in ms. */
  latency(): LatencyPercentiles {
    const s = this.sorted();
    return {
      count: s.length,
      p50: percentile(s, 50),
      p99: percentile(s, 99),
      p999: percentile(s, 99.9),
      max: s.length > 0 ? (s[s.length - 1] as number) : Number.NaN,
    };
  }
}

/** Latency percentiles of one repetition, in ms. */
export interface LatencyPercentiles {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Least-squares slope of y over x (units of y per unit of x); NaN for fewer than two points. */
export function slope(points: readonly (readonly [number, number])[]): number {
  if (points.length < 2) return Number.NaN;
  const n = points.length;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}
