/** The two clocks the publisher needs. Only the wall clock may jump (NTP, a user setting the time). */
export interface Clock {
  /** Epoch milliseconds: the time a reading carries, never a schedule. */
  wallNow(): number;
  /** Milliseconds since an arbitrary start that only ever runs forward: intervals, deadlines, pacing. */
  monotonicNow(): number;
}

/** The machine's clocks. */
export const systemClock: Clock = {
  wallNow: () => Date.now(),
  monotonicNow: () => performance.now(),
};
