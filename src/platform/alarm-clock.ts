/** setTimeout fires at once for delays above 2^31 − 1 ms (~24.8 days): longer waits go in steps. */
const LONGEST_TIMEOUT_MS = 2_147_483_647;

/**
 * One alarm per key, each at a wall-clock time (epoch ms, as `now` tells it); setting a key again replaces
 * its alarm. Alarms months away are fine: the wait is cut into steps that setTimeout can hold.
 */
export class AlarmClock {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly longestStepMs = LONGEST_TIMEOUT_MS,
  ) {}

  /** Calls `ring` at `at` (at once, on a later turn, if that has passed). */
  set(key: string, at: number, ring: () => void): void {
    this.clear(key);
    if (this.stopped) return;
    const wait = Math.max(0, at - this.now());
    const step = Math.min(wait, this.longestStepMs);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      if (step < wait) this.set(key, at, ring);
      else ring();
    }, step);
    this.timers.set(key, timer);
  }

  clear(key: string): void {
    const timer = this.timers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(key);
  }

  /** Clears the alarms whose key `matches`. */
  clearWhere(matches: (key: string) => boolean): void {
    for (const key of [...this.timers.keys()]) if (matches(key)) this.clear(key);
  }

  has(key: string): boolean {
    return this.timers.has(key);
  }

  /** Clears every alarm; later set() calls do nothing. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
