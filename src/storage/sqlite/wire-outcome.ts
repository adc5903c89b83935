import type { IngestOutcome } from "../ports.ts";
import { storedQuality } from "./stored-quality.ts";

/** An ingest outcome as it crosses to the writer thread: plain numbers and strings, no shared objects. */
export interface WireOutcome {
  readonly key: number;
  /** [ts, receivedAt, 1 = device time / 0 = receipt time, flattened values: obisKey, value, quality, …] */
  readonly record: readonly [number, number, 0 | 1, number[]] | null;
  readonly feedback: string | null;
  readonly valuesRejected: number;
}

/** Flattens an outcome for postMessage; `key` is the data source's storage key. */
export function toWire(outcome: IngestOutcome, key: number): WireOutcome {
  const r = outcome.record;
  const values: number[] = [];
  if (r) for (const v of r.values) values.push(v.obis.key, v.value, storedQuality(v.quality));
  return {
    key,
    record: r ? [r.timestamp, r.receivedAt, r.timestampSource === "device" ? 1 : 0, values] : null,
    feedback: outcome.feedback ? JSON.stringify(outcome.feedback) : null,
    valuesRejected: outcome.valuesRejected,
  };
}
