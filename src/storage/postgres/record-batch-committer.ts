import type { WireOutcome } from "../sqlite/wire-outcome.ts";
import type { PgPool } from "./pg-pool.ts";
import { inTransaction } from "./pg-pool.ts";
import { storeUsualBatch } from "./record-batch-pipeline.ts";
import { storeBatch } from "./record-batch-store.ts";
import type { RecordMonths } from "./record-months.ts";
import {
  codeOf,
  isMissingPartition,
  isPermanent,
  isRetryable,
  mayBeOneOutcome,
} from "./record-write-failure.ts";

/** Commits record batches (already keyed: WireOutcome), in this thread or in the batch writer thread. */
export interface BatchCommitter {
  /** Resolves once the outcomes are committed; an error carries the SQLSTATE (or the hub's code) as `code`. */
  write(wire: readonly WireOutcome[]): Promise<void>;
  /** Calls `listener` once if the committer can no longer commit at all (its thread died). */
  onFailure(listener: (err: Error) => void): void;
  /** Finishes the writes asked for, then closes its connections. */
  close(): Promise<void>;
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
 * Commits each batch in one transaction of set-based statements, on a connection of its own, so two or
 * three batches commit at once (group commit by the server). Writes that arrive while
 * TRANSACTIONS_IN_FLIGHT are running wait, and go together into the next one (as SQLite's writer
 * thread merges the writes queued during its commit): each transaction carries more messages, and its
 * fixed cost (round trips, locks, counter rows, the WAL flush) is shared by them.
 */
export class PgBatchCommitter implements BatchCommitter {
  /** Writes waiting for a transaction slot, in arrival order. */
  private readonly queue: QueuedWrite[] = [];
  /** Batch transactions running now. */
  private running = 0;
  /** Writes not settled yet, for close(). */
  private readonly unsettled = new Set<Promise<void>>();
  /** Set once a write failed in a way no retry mends: every later write gets it at once. */
  private failure: Error | undefined;

  /**
   * `pool` runs the step-by-step path and makes partitions; `pipelined` (pipeline mode,
   * TRANSACTIONS_IN_FLIGHT connections; ended at close) takes the usual batch in two round trips;
   * without it every batch goes step by step.
   */
  constructor(
    private readonly pool: PgPool,
    private readonly months: RecordMonths,
    private readonly pipelined?: PgPool,
  ) {}

  write(wire: readonly WireOutcome[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (wire.length === 0) return Promise.resolve();
    const written = new Promise<void>((resolve, reject) => {
      this.queue.push({ wire, resolve, reject });
      this.startTransactions();
    });
    this.unsettled.add(written);
    const forget = () => this.unsettled.delete(written);
    written.then(forget, forget);
    return written;
  }

  /** The committer in this thread only fails by its writes; nothing else can stop it. */
  onFailure(): void {}

  async close(): Promise<void> {
    await Promise.allSettled([...this.unsettled]);
    await this.pipelined?.end();
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
      if (writes.length > 1 && isolable(err)) {
        // One write's message may have failed them all: each write alone, so the others commit.
        for (const w of writes) await this.commitWrites([w]);
        return;
      }
      for (const w of writes) w.reject(err);
    }
  }

  /** Commits; a failure no retry mends stops the committer, and every error says whether one outcome may be the cause. */
  private async commitOrFail(wire: readonly WireOutcome[]): Promise<void> {
    try {
      await this.commit(wire);
    } catch (err) {
      const code = codeOf(err);
      if (isPermanent(code) && !this.failure) this.failure = err as Error;
      throw Object.assign(err as Error, { isolable: mayBeOneOutcome(code) });
    }
  }

  /** Commits the batch, after making the partitions of its months (DDL never runs inside it). */
  private async commit(wire: readonly WireOutcome[]): Promise<void> {
    const instants = wire.flatMap((o) => (o.record ? [o.record[0]] : []));
    await this.months.ensure(instants);
    if (this.pipelined && (await storeUsualBatch(this.pipelined, wire)) === "committed") return;
    for (let tries = 1; ; tries++) {
      try {
        await inTransaction(this.pool, (client) => storeBatch(client, wire));
        return;
      } catch (err) {
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
}

/** Whether one outcome of a merged transaction may have failed it (see mayBeOneOutcome). */
function isolable(err: unknown): boolean {
  return (err as { isolable?: unknown }).isolable === true;
}
