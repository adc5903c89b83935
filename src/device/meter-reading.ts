import type { TimeSeriesQuantity } from "../cim/format-time-series.ts";

/** One reading of a meter: the instant it was taken and the values, already in their CIM units. */
export interface MeterReading {
  /** When the meter was read (or the time the reading carries), epoch milliseconds. */
  readonly timestamp: number;
  readonly quantities: readonly TimeSeriesQuantity[];
}

/** What a source produces: a reading, or a failure to read that the publisher reports and counts. */
export type SourceEvent =
  | { readonly kind: "reading"; readonly reading: MeterReading }
  | { readonly kind: "read-failed"; readonly message: string };

/** A meter (or simulator, or file) the publisher takes readings from. */
export interface ReadingSource {
  /** Says what is being read, for the start-up line, e.g. "Modbus TCP 192.168.1.10:502 unit 1". */
  readonly description: string;
  /**
   * True for sources that can produce readings faster than they can be sent (a replay file): the
   * publisher then waits for room in the queue instead of letting the size limit drop readings.
   */
  readonly bulk?: boolean;
  /** Readings until the signal aborts or the source ends (a replay file at EOF). */
  events(signal: AbortSignal): AsyncIterable<SourceEvent>;
  /** Releases connections; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Rounds away binary floating-point noise from scaling (2305 * 0.1 = 230.50000000000003 → 230.5);
 * 15 significant digits keep every digit a meter can report.
 */
export function roundMeasurement(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value === 0 ? 0 : value;
  return Number(value.toPrecision(15));
}

/** Sorts quantities by type code so payloads are stable, and refuses two values for one type. */
export function orderedQuantities(quantities: readonly TimeSeriesQuantity[]): TimeSeriesQuantity[] {
  const sorted = [...quantities].sort((a, b) => a.type - b.type);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1];
    const current = sorted[i];
    if (previous !== undefined && current !== undefined && previous.type === current.type) {
      throw new Error(`two values were mapped to quantity type ${current.type}`);
    }
  }
  return sorted;
}
