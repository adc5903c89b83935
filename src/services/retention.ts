import type { Logger } from "../platform/logger.ts";
import type { RecordStore } from "../storage/ports.ts";

const BATCH = 5000;
const INTERVAL_MS = 3600_000;

/**
 * Deletes records older than the retention age (and those of deleted data sources) in small
 * batches, yielding between them so ingest never waits long for the database.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: RecordStore,
    private readonly retentionMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    const tick = () => {
      void this.runOnce();
    };
    this.timer = setInterval(tick, INTERVAL_MS);
    this.timer.unref();
    setImmediate(tick);
  }

  /** One full pass; resolves with the number of rows removed. Concurrent calls share one pass. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async pass(): Promise<number> {
    const before = this.now() - this.retentionMs;
    let total = 0;
    try {
      for (;;) {
        const n = this.store.deleteOlderThan(before, BATCH);
        total += n;
        if (n === 0) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      this.logger.error("retention pass failed; it runs again in an hour", { error: String(err) });
    }
    if (total > 0) this.logger.info("retention removed old records", { rows: total });
    return total;
  }
}
