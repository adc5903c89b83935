import { setTimeout as delay } from "node:timers/promises";
import type { MeterReading, SourceEvent } from "./meter-reading.ts";

/** The message of anything thrown, for one-line reports. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Calls `read` every `intervalMs` on a fixed grid (a slow read skips the ticks it overran instead of
 * bunching reads up) and yields each outcome, until the signal aborts. The grid runs on the monotonic
 * clock (performance.now): on the wall clock, a step back by NTP would stop reading for as long as the step.
 */
export async function* pollReadings(
  intervalMs: number,
  read: () => Promise<MeterReading>,
  signal: AbortSignal,
): AsyncGenerator<SourceEvent> {
  let nextTick = performance.now();
  while (!signal.aborted) {
    try {
      const reading = await read();
      if (signal.aborted) return;
      yield { kind: "reading", reading };
    } catch (error) {
      if (signal.aborted) return;
      yield { kind: "read-failed", message: describeError(error) };
    }
    const now = performance.now();
    while (nextTick <= now) nextTick += intervalMs;
    try {
      await delay(nextTick - now, undefined, { signal });
    } catch {
      return;
    }
  }
}
