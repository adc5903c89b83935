import type { PgPool } from "./pg-pool.ts";
import { ensureMonths, existingMonths, monthStartOf, nextMonthStart } from "./record-partitions.ts";

/**
 * The months whose record partitions exist, as this instance knows them: a batch whose months are all
 * known runs no DDL and no catalogue query; a new month's partitions are made before its batch.
 */
export class RecordMonths {
  private readonly known = new Set<number>();

  private constructor(private readonly pool: PgPool) {}

  static async load(pool: PgPool): Promise<RecordMonths> {
    const months = new RecordMonths(pool);
    await months.reload();
    return months;
  }

  /** Forgets what it knew and reads the partitions there are now. */
  async reload(): Promise<void> {
    const existing = await existingMonths(this.pool);
    this.known.clear();
    for (const month of existing) this.known.add(month);
  }

  /** Makes sure every instant's month has its partitions. */
  async ensure(instants: Iterable<number>): Promise<void> {
    const missing = new Set<number>();
    for (const ms of instants) {
      const month = monthStartOf(ms);
      if (!this.known.has(month)) missing.add(month);
    }
    if (missing.size === 0) return;
    await ensureMonths(this.pool, missing);
    for (const month of missing) this.known.add(month);
  }

  /** The current month and the next: ingest at a month's first instant never waits for DDL. */
  prepareAhead(now: number): Promise<void> {
    const month = monthStartOf(now);
    return this.ensure([month, nextMonthStart(month)]);
  }

  /** Months whose partitions were dropped. */
  forget(months: Iterable<number>): void {
    for (const month of months) this.known.delete(month);
  }
}
