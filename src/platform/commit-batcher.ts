/**
 * Collects items submitted within one event-loop turn and commits them together, resolving each
 * item's promise only after the commit that holds it has returned.
 */
export class CommitBatcher<T> {
  private pending: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly commit: (items: T[]) => void,
    private readonly maxBatch: number,
  ) {}

  /** Queues an item; the promise settles when its batch is committed (or fails). */
  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate lets every message read in this turn join the same transaction.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Number of items waiting for a commit. */
  get size(): number {
    return this.pending.length;
  }

  /** Commits whatever is pending now and resolves when nothing is left. */
  async drain(): Promise<void> {
    this.flush();
    if (this.pending.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private flush(): void {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        this.commit(batch.map((p) => p.item));
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
