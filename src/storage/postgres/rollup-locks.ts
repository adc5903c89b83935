import type { PgClient, QueryConfig } from "./pg-pool.ts";

/**
 * Advisory lock classes (the first key of the two-key form; the second is the data source key).
 * The two-key space is apart from the one-key locks of migrations and partitions.
 */
const ROLLUP_WORK = 0x524f4c4c; // "ROLL": one instance rolls a data source up at a time
const RECORD_WRITE = 0x52454357; // "RECW": writers share it, a rollup step takes it alone

/**
 * Called by the record writer inside its transaction, before it reads the rollup watermarks of the
 * data sources it writes (`markLateHours`): a rollup step of one of them either waits until this
 * transaction has committed (and then reads its values), or has committed its watermark before this
 * transaction reads it (and the late values mark their hours dirty). Sorted, so writers never deadlock.
 */
export async function shareRecordWriteLocks(client: PgClient, keys: Iterable<number>): Promise<void> {
  const statement = shareRecordWriteLocksStatement(keys);
  if (statement) await client.query(statement);
}

/** The statement of `shareRecordWriteLocks`, for a caller that sends it itself; none for no keys. */
export function shareRecordWriteLocksStatement(keys: Iterable<number>): QueryConfig | undefined {
  const sorted = [...new Set(keys)].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  return {
    text: "SELECT pg_advisory_xact_lock_shared($1, k) FROM unnest($2::int[]) AS k ORDER BY k",
    values: [RECORD_WRITE, sorted],
  };
}

/**
 * Marks the hours of values written below their data source's rollup watermark dirty, so the next
 * rollup step recomputes them. For the record writer: in the transaction that inserts the values,
 * after `shareRecordWriteLocks`, at READ COMMITTED (a snapshot older than the lock would miss a
 * watermark that moved meanwhile).
 */
export async function markLateHours(
  client: PgClient,
  writes: ReadonlyArray<{ readonly key: number; readonly ts: number }>,
): Promise<void> {
  if (writes.length === 0) return;
  await client.query(
    `INSERT INTO aiida_rollup_dirty (data_source_key, hour)
     SELECT DISTINCT w.key, date_bin('1 hour', w.ts, TIMESTAMPTZ 'epoch')
       FROM unnest($1::int[], $2::timestamptz[]) AS w (key, ts)
       JOIN aiida_rollup_state s ON s.data_source_key = w.key
      WHERE w.ts < s.rolled_up_to
     ON CONFLICT DO NOTHING`,
    [writes.map((w) => w.key), writes.map((w) => new Date(w.ts))],
  );
}

/**
 * Claims data source `key` for this transaction's rollup work: false at once when another instance
 * works on it; otherwise waits for the writers that hold its write lock to commit, and keeps new ones
 * waiting until this transaction ends. Claim one data source per transaction only: holding a second
 * while writers hold the first could deadlock.
 */
export async function claimForRollup(client: PgClient, key: number): Promise<boolean> {
  const tried = await client.query<{ claimed: boolean }>(
    "SELECT pg_try_advisory_xact_lock($1, $2) AS claimed",
    [ROLLUP_WORK, key],
  );
  if (!tried.rows[0]?.claimed) return false;
  await client.query("SELECT pg_advisory_xact_lock($1, $2)", [RECORD_WRITE, key]);
  return true;
}
