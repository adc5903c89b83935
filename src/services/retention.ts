import type { Logger } from "../platform/logger.ts";
import type { RecordWriter, RollupProgress } from "../storage/ports.ts";

const BATCH = 5000;

/** A background job that repeats one bounded step until there is nothing left, then sleeps. */
class RepeatingJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly step: () => Promise<number>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const tick = () => {
      void this.runOnce();
    };
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
    setImmediate(tick);
  }

  /** Steps until a step does nothing; resolves with the total work done. Concurrent calls share one pass. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async pass(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        if (this.stopped) break; // leave the rest for the next start
        const done = await this.step();
        total += done;
        if (done === 0) break;
      }
    } catch (err) {
      this.logger.error(`${this.name} failed; it runs again later`, { error: String(err) });
    }
    return total;
  }
}

/** Deletes records older than the retention age, and those of deleted data sources, hourly in batches. */
export class RetentionJob extends RepeatingJob {
  constructor(writer: RecordWriter, retentionMs: number, logger: Logger, now: () => number = Date.now) {
    super("retention", 3600_000, () => writer.deleteOlderThan(now() - retentionMs, BATCH), logger);
  }
}

/**
 * Keeps the hourly rollups that long-range charts read up to date, every minute, and hands on after
 * each step which data sources' rollups fail.
 */
export class RollupJob extends RepeatingJob {
  constructor(
    writer: RecordWriter,
    logger: Logger,
    failing: (failing: RollupProgress["failing"]) => void,
    now: () => number = Date.now,
  ) {
    super(
      "rollup",
      60_000,
      async () => {
        const step = await writer.rollupStep(now());
        failing(step.failing);
        return step.worked ? 1 : 0;
      },
      logger,
    );
  }
}
