type Pending<T> = { item: T; resolve: () => void; reject: (err: unknown) => void };

/**
 * Group commit: items submitted in one event-loop turn go together in one commit, and up to
 * `maxInFlight` commits may be outstanding at once, so an item arriving while the store is busy is
 * handed over at once instead of waiting for the previous answer (the store may merge queued commits).
 * Each item's promise settles only after the commit that holds it has finished. A commit that fails
 * in a way one item may have caused (`isolable`) is tried again in halves, down to single items, so
 * only the items that fail on their own are rejected.
 */
export class CommitBatcher<T> {
  private pending: Pending<T>[] = [];
  private scheduled = false;
  private inFlight = 0;
  /** Submitted items whose commit has not finished yet, for drain(). */
  private readonly unsettled = new Set<Promise<void>>();

  constructor(
    private readonly commit: (items: T[]) => Promise<void>,
    private readonly maxBatch: number,
    private readonly maxInFlight: number,
    /** Whether a failed commit may be down to one of its items rather than to the store as a whole. */
    private readonly isolable: (err: unknown) => boolean = () => false,
  ) {}

  /** Items submitted whose commit has not finished yet. */
  get waiting(): number {
    return this.unsettled.size;
  }

  /** Queues an item; the promise settles when its batch is committed (or fails). */
  submit(item: T): Promise<void> {
    const committed = new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
    this.unsettled.add(committed);
    const forget = () => this.unsettled.delete(committed);
    committed.then(forget, forget);
    return committed;
  }

  /** Resolves once everything submitted so far is committed (or failed); later items are not waited for. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.unsettled]);
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    // setImmediate lets every message read in this turn join the same commit.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= this.maxInFlight || this.pending.length === 0) return;
    this.inFlight++;
    const batch = this.pending.splice(0, this.maxBatch);
    if (this.pending.length > 0) this.schedule();
    try {
      await this.commitIsolating(batch);
    } finally {
      this.inFlight--;
    }
    if (this.pending.length > 0) this.schedule();
  }

  /** Commits `batch`; if it fails isolably, commits its halves one after the other, down to single items. */
  private async commitIsolating(batch: readonly Pending<T>[]): Promise<void> {
    try {
      await this.commit(batch.map((p) => p.item));
      for (const p of batch) p.resolve();
    } catch (err) {
      if (batch.length === 1 || !this.isolable(err)) {
        for (const p of batch) p.reject(err);
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.commitIsolating(batch.slice(0, half));
      await this.commitIsolating(batch.slice(half));
    }
  }
}
