import type { PgClient, PgPool } from "./pg-pool.ts";

/** Swallows a checked-out connection's own 'error' event: the query in progress is rejected with it anyway. */
const IGNORE = () => {};

/**
 * Runs `work` in one transaction, like pg-pool.ts's inTransaction, but with a listener on the
 * connection's 'error' event while it is checked out: a connection the server ends between two
 * statements (a restart, pg_terminate_backend) then fails this transaction instead of crashing the
 * process with an unhandled 'error'. `begin` may ask for another isolation level.
 */
export async function inGuardedTransaction<T>(
  pool: PgPool,
  work: (client: PgClient) => Promise<T>,
  begin = "BEGIN",
): Promise<T> {
  const client = await pool.connect();
  client.on("error", IGNORE);
  let result: T;
  try {
    await client.query(begin);
    result = await work(client);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    client.off("error", IGNORE);
    // A connection whose transaction failed in an unknown state is dropped, not reused.
    client.release(true);
    throw error;
  }
  client.off("error", IGNORE);
  client.release();
  return result;
}
