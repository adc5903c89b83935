import type { IngestOutcome, RecordWriter, RollupProgress } from "../ports.ts";
import { toWire, type WireOutcome } from "../sqlite/wire-outcome.ts";
import { DataSourceKeyCache } from "./data-source-key-cache.ts";
import type { PgPool } from "./pg-pool.ts";
import { inTransaction } from "./pg-pool.ts";
import { storeUsualBatch } from "./record-batch-pipeline.ts";
import { isStrayValue, storeBatch } from "./record-batch-store.ts";
import { RecordMonths } from "./record-months.ts";
import { RecordRetention } from "./record-retention.ts";
import {
  codeOf,
  isMissingPartition,
  isPermanent,
  isRetryable,
  mayBeOneOutcome,
} from "./record-write-failure.ts";

/** What rolls records up into hourly summaries (the rollup's own class): the writer hands its steps on. */
export interface RollupStepper {
  step(now: number): Promise<RollupProgress>;
}

/** Tries of one batch that meets a deadlock or a serialization failure before the error is passed on. */
const TRIES_ON_CONFLICT = 3;

/**
 * Batch transactions at once: two or three commit with one WAL flush (group commit by the server);
 * more would only wait on each other's counter rows and cut the batches smaller.
 */
export const TRANSACTIONS_IN_FLIGHT = 3;

/** Most outcomes that writes queued behind the running transactions are merged into, for one transaction. */
const MOST_MERGED_OUTCOMES = 4000;

/** A write waiting for a transaction slot. */
interface QueuedWrite {
  readonly wire: readonly WireOutcome[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Writes records to PostgreSQL: each batch in one transaction of set-based statements, on a pool
 * connection of its own, so two or three batches commit at once (group commit by the server). Writes
 * that arrive while TRANSACTIONS_IN_FLIGHT are running wait, and go together into the next one (as
 * SQLite's writer thread merges the writes queued during its commit): each transaction carries more
 * messages, and its fixed cost (round trips, locks, counter rows, the WAL flush) is shared by them.
 */
export class PgRecordWriter implements RecordWriter {
  private readonly keys: DataSourceKeyCache;
  private readonly retention: RecordRetention;
  /** Calls not finished yet, for close(). */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly failureListeners: ((err: Error) => void)[] = [];
  /** Writes waiting for a transaction slot, in arrival order. */
  private readonly queue: QueuedWrite[] = [];
  /** Batch transactions running now. */
  private running = 0;
  /** Set once a write failed in a way no retry mends: every later write gets it at once. */
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    private readonly pool: PgPool,
    private readonly rollup: RollupStepper,
    private readonly months: RecordMonths,
    private readonly pipelined: PgPool | undefined,
  ) {
    this.keys = new DataSourceKeyCache(pool);
    this.retention = new RecordRetention(pool, months);
  }

  /**
   * Opens the writer: learns the partitions there are and makes those of this month and the next.
   * `pipelined`: a pool in pipeline mode (TRANSACTIONS_IN_FLIGHT connections; the writer ends it at
   * close) for the usual batch's two round trips; without it every batch goes step by step on `pool`.
   */
  static async open(
    pool: PgPool,
    rollup: RollupStepper,
    now: number = Date.now(),
    pipelined?: PgPool,
  ): Promise<PgRecordWriter> {
    const months = await RecordMonths.load(pool);
    await months.prepareAhead(now);
    return new PgRecordWriter(pool, rollup, months, pipelined);
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
   * not write them): from then on every write is refused. A server out of reach is not that: the
   * write fails, and the next one tries again.
   */
  onFailure(listener: (err: Error) => void): void {
    this.failureListeners.push(listener);
  }

  /** Refuses new calls and resolves once the calls in flight have finished; `pool` is the caller's. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.pipelined?.end();
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
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ wire, resolve, reject });
      this.startTransactions();
    });
  }

  /** Starts transactions for the queued writes while slots are free, merging queued writes into each. */
  private startTransactions(): void {
    while (this.running < TRANSACTIONS_IN_FLIGHT && this.queue.length > 0) {
      const writes = this.takeQueued();
      this.running++;
      void this.commitWrites(writes).finally(() => {
        this.running--;
        this.startTransactions();
      });
    }
  }

  /** The oldest queued write and those after it, up to MOST_MERGED_OUTCOMES (the first one always). */
  private takeQueued(): QueuedWrite[] {
    const taken: QueuedWrite[] = [];
    let outcomes = 0;
    for (let next = this.queue[0]; next; next = this.queue[0]) {
      if (taken.length > 0 && outcomes + next.wire.length > MOST_MERGED_OUTCOMES) break;
      taken.push(next);
      outcomes += next.wire.length;
      this.queue.shift();
    }
    return taken;
  }

  /** Commits the writes in one transaction and settles each; never rejects. */
  private async commitWrites(writes: readonly QueuedWrite[]): Promise<void> {
    try {
      if (this.failure) throw this.failure;
      await this.commitOrFail(writes.length === 1 ? (writes[0]?.wire ?? []) : writes.flatMap((w) => w.wire));
      for (const w of writes) w.resolve();
    } catch (err) {
      if (writes.length > 1 && (err as { isolable?: unknown }).isolable === true) {
        // One write's message may have failed them all: each write alone, so the others commit.
        for (const w of writes) await this.commitWrites([w]);
        return;
      }
      for (const w of writes) w.reject(err);
    }
  }

  /** Commits; a failure no retry mends stops the writer, and every error says whether one outcome may be the cause. */
  private async commitOrFail(wire: readonly WireOutcome[]): Promise<void> {
    try {
      await this.commit(wire);
    } catch (err) {
      const code = codeOf(err);
      if (isPermanent(code)) this.fail(err as Error);
      throw Object.assign(err as Error, { isolable: mayBeOneOutcome(code) });
    }
  }

  /** Commits the batch, after making the partitions of its months (DDL never runs inside it). */
  private async commit(wire: readonly WireOutcome[]): Promise<void> {
    const instants = wire.flatMap((o) => (o.record ? [o.record[0]] : []));
    await this.months.ensure(instants);
    if (this.pipelined && (await storeUsualBatch(this.pipelined, wire)) === "committed") return;
    let strayValues = false;
    for (let tries = 1; ; tries++) {
      try {
        await inTransaction(this.pool, (client) => storeBatch(client, wire, strayValues));
        return;
      } catch (err) {
        if (isStrayValue(err) && !strayValues) {
          strayValues = true;
          continue;
        }
        if (isMissingPartition(err) && tries === 1) {
          // Another instance dropped a month this one knew (retention): learn anew and make it again.
          await this.months.reload();
          await this.months.ensure(instants);
          continue;
        }
        if (!isRetryable(codeOf(err)) || tries >= TRIES_ON_CONFLICT) throw err;
      }
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const listener of this.failureListeners) listener(err);
  }
}
