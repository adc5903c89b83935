import type { LeaderLock } from "../cluster/leader-lock.ts";
import type { IngestOutcome, RecordWriter, RollupProgress } from "../storage/ports.ts";

/** What a non-leader's rollup step answers: nothing done, nothing failing. */
const NOT_LEADING: RollupProgress = { worked: false, failing: new Map() };

/**
 * A RecordWriter whose singleton jobs (retention's deleteOlderThan, the rollup's rollupStep) run only on
 * the instance that leads `leader`; every instance writes. So RetentionJob and RollupJob run unchanged on
 * every instance, and only the leader's calls reach the database.
 */
export class LeaderGatedWriter implements RecordWriter {
  constructor(
    private readonly writer: RecordWriter,
    private readonly leader: Pick<LeaderLock, "runIfLeader">,
  ) {}

  write(outcomes: readonly IngestOutcome[]): Promise<void> {
    return this.writer.write(outcomes);
  }

  async deleteOlderThan(before: number, batch: number): Promise<number> {
    return (await this.leader.runIfLeader(() => this.writer.deleteOlderThan(before, batch))) ?? 0;
  }

  async rollupStep(now: number): Promise<RollupProgress> {
    return (await this.leader.runIfLeader(() => this.writer.rollupStep(now))) ?? NOT_LEADING;
  }
}
