import type { PgClient, PgPool } from "./pg-pool.ts";

/**
 * Runs `work` in one read-only REPEATABLE READ transaction: every query sees one snapshot, so a
 * watermark, the dirty hours, rollup rows and raw values read one after the other agree (a rollup
 * step committing in between cannot make an hour count twice or not at all). Without JIT compilation.
 */
export async function inReadSnapshot<T>(pool: PgPool, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    // JIT off: a read's plan may be costed high (a grouped range over many partitions) while it touches
    // a few thousand rows; compiling it took 300 ms where running it took 5.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL jit = off");
    const result = await work(client);
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    // A connection whose transaction failed in an unknown state is dropped, not reused.
    client.release(true);
    throw error;
  }
}
