import type pg from "pg";

/** A transaction ran for a leader that has since been replaced: its work must not be committed. */
export class DeposedLeaderError extends Error {
  constructor(lockKey: number, term: number, current: number | undefined) {
    super(`leader term ${term} of lock ${lockKey} is over (the current term is ${current ?? "none"})`);
    this.name = "DeposedLeaderError";
  }
}

/** Called by a new holder right after taking the lock: the next term of `lockKey`, recorded as its. */
export async function takeNextTerm(client: pg.ClientBase, lockKey: number, holder: string): Promise<number> {
  const result = await client.query<{ term: string }>(
    `INSERT INTO leader_term (lock_key, term, holder, acquired_at) VALUES ($1, 1, $2, now())
     ON CONFLICT (lock_key) DO UPDATE
       SET term = leader_term.term + 1, holder = excluded.holder, acquired_at = excluded.acquired_at
     RETURNING term`,
    [lockKey, holder],
  );
  return Number(result.rows[0]?.term);
}

/**
 * Fencing inside the caller's transaction: throws DeposedLeaderError unless `term` is still the current
 * one. The row stays share-locked until the transaction ends, so a new leader's takeNextTerm waits for
 * it: no transaction of a deposed leader commits after its successor's first.
 */
export async function assertLeaderTerm(client: pg.ClientBase, lockKey: number, term: number): Promise<void> {
  const result = await client.query<{ term: string }>(
    "SELECT term FROM leader_term WHERE lock_key = $1 FOR SHARE",
    [lockKey],
  );
  const row = result.rows[0];
  const current = row === undefined ? undefined : Number(row.term);
  if (current !== term) throw new DeposedLeaderError(lockKey, term, current);
}
