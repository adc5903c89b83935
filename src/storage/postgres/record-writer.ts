import type { IngestOutcome, RecordWriter, RollupProgress } from "../ports.ts";
import { toWire, type WireOutcome } from "../sqlite/wire-outcome.ts";
import { DataSourceKeyCache } from "./data-source-key-cache.ts";
import type { PgPool } from "./pg-pool.ts";
import { type BatchCommitter, PgBatchCommitter } from "./record-batch-committer.ts";
import { RecordMonths } from "./record-months.ts";
import { RecordRetention } from "./record-retention.ts";
import { codeOf, isPermanent, mayBeOneOutcome } from "./record-write-failure.ts";

/** What rolls records up into hourly summaries (the rollup's own class): the writer hands its steps on. */
export interface RollupStepper {
  step(now: number): Promise<RollupProgress>;
}

/**
 * Writes records to PostgreSQL: keys each batch's outcomes by their data source and hands them to a
 * committer (the batch writer thread in the hub, see WorkerBatchCommitter), which merges and commits
 * them; runs retention, rollup steps and partitions ahead on `pool` itself.
 */
export class PgRecordWriter implements RecordWriter {
  private readonly keys: DataSourceKeyCache;
  private readonly retention: RecordRetention;
  /** Calls not finished yet, for close(). */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly failureListeners: ((err: Error) => void)[] = [];
  /** Set once a write failed in a way no retry mends: every later write gets it at once. */
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    pool: PgPool,
    private readonly rollup: RollupStepper,
    private readonly months: RecordMonths,
    private readonly committer: BatchCommitter,
  ) {
    this.keys = new DataSourceKeyCache(pool);
    this.retention = new RecordRetention(pool, months);
    committer.onFailure((err) => this.fail(err));
  }

  /**
   * Opens the writer: learns the partitions there are and makes those of this month and the next.
   * `committer` makes what commits the batches (closed with the writer), given the months this writer
   * knows; without it, a PgBatchCommitter on `pool` commits them in this thread, step by step.
   */
  static async open(
    pool: PgPool,
    rollup: RollupStepper,
    now: number = Date.now(),
    committer: (months: RecordMonths) => BatchCommitter = (months) => new PgBatchCommitter(pool, months),
  ): Promise<PgRecordWriter> {
    const months = await RecordMonths.load(pool);
    await months.prepareAhead(now);
    return new PgRecordWriter(pool, rollup, months, committer(months));
  }

  write(outcomes: readonly IngestOutcome[]): Promise<void> {
    return this.track(() => this.writeBatch(outcomes));
  }

  deleteOlderThan(before: number, batch: number): Promise<number> {
    return this.track(() => this.retention.deleteOlderThan(before, batch));
  }

  rollupStep(now: number): Promise<RollupProgress> {
    return this.track(() => this.rollup.step(now));
  }

  /** Makes the partitions of the current and the next month (for a daily job: a month never starts without). */
  prepareMonthsAhead(now: number): Promise<void> {
    return this.track(() => this.months.prepareAhead(now));
  }

  /**
   * Calls `listener` once when the writer can no longer store at all (its tables are gone, its role may
   * not write them, its thread died): from then on every write is refused. A server out of reach is
   * not that: the write fails, and the next one tries again.
   */
  onFailure(listener: (err: Error) => void): void {
    this.failureListeners.push(listener);
  }

  /** Refuses new calls and resolves once the calls in flight have finished and the committer is closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.committer.close();
  }

  private track<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the record writer is closed"));
    const running = work();
    this.inFlight.add(running);
    const forget = () => this.inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  private async writeBatch(outcomes: readonly IngestOutcome[]): Promise<void> {
    if (this.failure) throw this.failure;
    const keys = await this.keys.keysOf(new Set(outcomes.map((o) => o.dataSourceId)));
    const wire: WireOutcome[] = [];
    for (const o of outcomes) {
      const key = keys.get(o.dataSourceId);
      if (key !== undefined) wire.push(toWire(o, key)); // no key: unknown, or deleted while in flight
    }
    if (wire.length === 0) return;
    try {
      await this.committer.write(wire);
    } catch (err) {
      const code = codeOf(err);
      if (isPermanent(code)) this.fail(err as Error);
      // Said again here: an error from the batch writer thread arrives with its code only.
      throw Object.assign(err as Error, { isolable: mayBeOneOutcome(code) });
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const listener of this.failureListeners) listener(err);
  }
}
