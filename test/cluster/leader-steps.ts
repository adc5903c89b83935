import type pg from "pg";
import type { LeaderFence } from "../../src/cluster/leader-lock.ts";
import { assertLeaderTerm } from "../../src/cluster/leader-term.ts";
import { inTransaction } from "../../src/storage/postgres/pg-pool.ts";

/** The advisory lock key of the job in the leader tests. */
export const LEADER_KEY = 4_242_001;
/** How often each instance tries a step of the job. */
export const STEP_INTERVAL_MS = 50;

/** The job's table: who ran a step, in which term, when (the database's clock, the same for all). */
export const STEP_LOG_DDL = `CREATE TABLE IF NOT EXISTS step_log (
  holder text NOT NULL, term bigint NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`;

/** One step of the job, fenced by the leader's term; true once written. */
export async function recordStep(pool: pg.Pool, holder: string, fence: LeaderFence): Promise<boolean> {
  await inTransaction(pool, async (client) => {
    await assertLeaderTerm(client, fence.key, fence.term);
    await client.query("INSERT INTO step_log (holder, term) VALUES ($1, $2)", [holder, fence.term]);
  });
  return true;
}
