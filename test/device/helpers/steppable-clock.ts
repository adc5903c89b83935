import type { Clock } from "../../../src/device/clock.ts";

/** The machine's clocks, except that a test can step the wall clock (as NTP does) while the monotonic one runs on. */
export class SteppableClock implements Clock {
  #wallOffsetMs = 0;

  wallNow(): number {
    return Date.now() + this.#wallOffsetMs;
  }

  monotonicNow(): number {
    return performance.now();
  }

  /** Moves the wall clock by `ms` (negative: back), from now on. */
  stepWall(ms: number): void {
    this.#wallOffsetMs += ms;
  }
}
