import type { Logger } from "../platform/logger.ts";

/**
 * What keeps the hub, or one data source, from storing or summarising data: the hub's own health and
 * each data source's health report it. Each change is logged once, not on every look.
 */
export class StorageHealth {
  private failure: string | undefined;
  private rollupFailures: ReadonlyMap<string, string> = new Map();

  constructor(private readonly logger: Logger) {}

  /** Why the hub can store nothing now (its writer thread died, its database file is gone), or undefined. */
  get problem(): string | undefined {
    return this.failure;
  }

  /** The hub can no longer store data; the first cause is kept and logged. */
  failed(reason: string): void {
    if (this.failure !== undefined) return;
    this.failure = reason;
    this.logger.error("the hub can no longer store data; messages are not acknowledged", { reason });
  }

  /** Why the hourly rollup of a data source fails, or undefined. */
  rollupProblemOf(dataSourceId: string): string | undefined {
    return this.rollupFailures.get(dataSourceId);
  }

  /** The data sources whose hourly rollup fails now (id → error); logs each that starts or stops failing. */
  rollupFailing(current: ReadonlyMap<string, string>): void {
    for (const [id, error] of current) {
      if (!this.rollupFailures.has(id))
        this.logger.error("hourly rollup fails for a data source; the others go on", {
          dataSource: id,
          error,
        });
    }
    for (const id of this.rollupFailures.keys()) {
      if (!current.has(id)) this.logger.info("hourly rollup works again", { dataSource: id });
    }
    this.rollupFailures = current;
  }
}
