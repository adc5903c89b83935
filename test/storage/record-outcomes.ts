import type { ObisCodeEntry } from "../../src/domain/obis-code.ts";
import { obisByCode } from "../../src/domain/obis-code.ts";
import type { FeedbackReport, IngestOutcome, SeriesPoint } from "../../src/storage/ports.ts";

export function obis(code: string): ObisCodeEntry {
  const entry = obisByCode(code);
  if (!entry) throw new Error(`${code} is not in the OBIS catalogue`);
  return entry;
}

export interface RecordOptions {
  readonly receivedAt?: number;
  /** False: the hub stamped the receipt time. */
  readonly device?: boolean;
  readonly feedback?: FeedbackReport;
  readonly valuesRejected?: number;
  readonly quality?: string;
}

/** An accepted message of `id` at `ts` with `values` (quantity, number). */
export function accepted(
  id: string,
  ts: number,
  values: readonly (readonly [ObisCodeEntry, number])[],
  options: RecordOptions = {},
): IngestOutcome {
  return {
    dataSourceId: id,
    record: {
      dataSourceId: id,
      timestamp: ts,
      timestampSource: options.device === false ? "receipt" : "device",
      receivedAt: options.receivedAt ?? ts,
      values: values.map(([o, value]) => ({
        obis: o,
        rawTag: o.name,
        value,
        quality: options.quality ?? "AS_PROVIDED",
      })),
    },
    feedback: options.feedback,
    valuesRejected: options.valuesRejected ?? 0,
  };
}

/** A message that was not accepted at all. */
export function refused(id: string, valuesRejected: number, feedback?: FeedbackReport): IngestOutcome {
  return { dataSourceId: id, record: undefined, feedback, valuesRejected };
}

/** A feedback report told apart by its summary. */
export function report(id: string, summary: string): FeedbackReport {
  return {
    dataSourceId: id,
    receivedAt: new Date(0).toISOString(),
    status: "rejected",
    summary,
    problems: [{ path: "$", reason: "test", message: summary }],
    warnings: [],
    ignoredFields: [],
    notes: [],
    kept: { timestamp: null, timestampSource: null, values: [] },
  };
}

/** A stored value as the cases expect it back. */
export interface Point {
  readonly ts: number;
  readonly code: string;
  readonly value: number;
}

/** The series SQLite's and PostgreSQL's stores should answer, worked out from the values themselves. */
export function expectedSeries(
  points: readonly Point[],
  from: number,
  to: number,
  bucketMs: number,
): Map<string, SeriesPoint[]> {
  const buckets = new Map<string, Map<number, Point[]>>();
  for (const p of points) {
    if (p.ts < from || p.ts > to) continue;
    const b = Math.floor(p.ts / bucketMs);
    const byBucket = buckets.get(p.code) ?? new Map<number, Point[]>();
    byBucket.set(b, [...(byBucket.get(b) ?? []), p]);
    buckets.set(p.code, byBucket);
  }
  const result = new Map<string, SeriesPoint[]>();
  for (const code of [...buckets.keys()].sort((a, b) => obis(a).key - obis(b).key)) {
    const byBucket = buckets.get(code) ?? new Map();
    result.set(
      code,
      [...byBucket.keys()]
        .sort((a, b) => a - b)
        .map((b) => {
          const ps = [...(byBucket.get(b) ?? [])].sort((x, y) => x.ts - y.ts);
          const values = ps.map((p) => p.value);
          return {
            t: b * bucketMs,
            min: Math.min(...values),
            avg: values.reduce((s, v) => s + v, 0) / values.length,
            max: Math.max(...values),
            last: values.at(-1) ?? Number.NaN,
            count: values.length,
          };
        }),
    );
  }
  return result;
}
