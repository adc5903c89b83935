import pg from "pg";

/** A pool of connections to the hub's PostgreSQL database. */
export type PgPool = pg.Pool;
/** One connection taken from the pool (inside a transaction, say). */
export type PgClient = pg.PoolClient;
/** A statement with its parameters (and a name, to be planned once per connection). */
export type QueryConfig = pg.QueryConfig;
/** What a statement returned. */
export type QueryResult<R extends pg.QueryResultRow> = pg.QueryResult<R>;

/** OID of int8 (bigint): counts and keys, returned as numbers (they stay far below 2^53). */
const INT8_OID = 20;
/** OID of numeric: sum() of integers; the hub's sums stay within a double. */
const NUMERIC_OID = 1700;

/** Type parsers of this pool only: the global pg.types are left as they are for other code in the process. */
const HUB_TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (text: string) => Number(text);
    return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export interface PgPoolOptions {
  /** Most connections at once (default 10). */
  readonly max?: number;
  /** Shown in pg_stat_activity, so an operator sees which instance holds which connection. */
  readonly applicationName?: string;
  /**
   * Pipeline mode: a connection sends the statements it is given at once, without waiting for each
   * answer (no cursors, no LISTEN on it). For the record writer's batches.
   */
  readonly pipeline?: boolean;
}

/** Opens a pool on `url` (postgres://user:password@host:port/database); connects lazily. */
export function openPgPool(url: string, options: PgPoolOptions = {}): PgPool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? "aiida-hub",
    pipeline: options.pipeline ?? false,
    types: HUB_TYPES,
    // A half-open TCP connection (a cut cable, a frozen peer) is found by the kernel instead of never.
    keepAlive: true,
    // A hub frozen inside a transaction (SIGSTOP, a stalled VM) must not hold its row locks for ever:
    // the server ends such a session, and another instance's job can take over.
    idle_in_transaction_session_timeout: 15_000,
  });
  // An idle connection that dies (the server restarted) must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  // Nor one the server ends while it is checked out (between two statements of a transaction): the query
  // in progress, or the next one, is rejected with the error, and inTransaction drops the connection.
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  return pool;
}

/**
 * Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws.
 * `begin` may ask for another isolation level ("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").
 */
export async function inTransaction<T>(
  pool: PgPool,
  work: (client: PgClient) => Promise<T>,
  begin = "BEGIN",
): Promise<T> {
  const client = await pool.connect();
  let result: T;
  try {
    await client.query(begin);
    result = await work(client);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    // A connection whose transaction failed in an unknown state is dropped, not reused.
    client.release(true);
    throw error;
  }
  client.release();
  return result;
}
