import type { Logger, LogLevel } from "./logger.ts";

/** The current interval of one kind of event from one address. */
interface Interval {
  readonly level: LogLevel;
  readonly message: string;
  readonly address: string;
  start: number;
  /** Events after the one that opened the interval (or after the last summary). */
  repeated: number;
}

/** The address under which events from addresses beyond `maxAddresses` are counted together. */
const OTHER_ADDRESSES = "other addresses";

/**
 * Keeps a flood of one kind of event from one address (refused connections, publishes,
 * subscriptions) from flooding the log: the first is logged in full, the others are counted and
 * written as one line with the count per interval. After a whole quiet interval, the next event
 * is logged in full again.
 */
export class RepeatedEventLog {
  private readonly intervals = new Map<string, Interval>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
    /** Most intervals tracked at once; beyond that, new addresses share one count. */
    private readonly maxAddresses = 1000,
  ) {}

  /** Logs an event from `address` in full, or counts it when one like it was logged this interval. */
  record(level: LogLevel, message: string, address: string, fields: Record<string, unknown>): void {
    let key = `${message}\n${address}`;
    if (!this.intervals.has(key) && this.intervals.size >= this.maxAddresses) {
      address = OTHER_ADDRESSES;
      key = `${message}\n${address}`;
    }
    const now = this.now();
    const open = this.intervals.get(key);
    if (open) {
      this.endIfOver(key, open, now);
      if (this.intervals.has(key)) {
        open.repeated++;
        return;
      }
    }
    this.intervals.set(key, { level, message, address, start: now, repeated: 0 });
    this.logger[level](message, { address, ...fields });
  }

  /** Ends every interval that is over: writes its count, forgets the quiet ones. */
  flush(): void {
    const now = this.now();
    for (const [key, interval] of this.intervals) this.endIfOver(key, interval, now);
  }

  /** Flushes once per interval until {@link close}; the timer does not keep the process alive. */
  start(): void {
    this.timer ??= setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes the counts of the intervals still open. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    const now = this.now();
    for (const interval of this.intervals.values()) if (interval.repeated > 0) this.summarise(interval, now);
    this.intervals.clear();
  }

  private endIfOver(key: string, interval: Interval, now: number): void {
    if (now - interval.start < this.intervalMs) return;
    if (interval.repeated === 0) {
      this.intervals.delete(key);
      return;
    }
    this.summarise(interval, now);
    interval.start = now;
    interval.repeated = 0;
  }

  private summarise(interval: Interval, now: number): void {
    this.logger[interval.level](interval.message, {
      address: interval.address,
      repeated: interval.repeated,
      seconds: Math.round((now - interval.start) / 1000),
    });
  }
}
