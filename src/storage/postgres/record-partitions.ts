import type { PgClient, PgPool } from "./pg-pool.ts";

/** The partitioned table (values are arrays in its rows): one partition per UTC month of the device's timestamp. */
const PARTITIONED = ["aiida_record"] as const;

/** Advisory lock key held while partitions are created or dropped: two instances never race on DDL. */
const PARTITION_LOCK = 0x41494450; // "AIDP"

/** The UTC month an instant falls in, as the epoch ms of its first instant. */
export function monthStartOf(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The first instant of the month after the one `monthStart` begins. */
export function nextMonthStart(monthStart: number): number {
  const d = new Date(monthStart);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Suffix of a month's partitions: `_y2026m11`. */
export function partitionSuffix(monthStart: number): string {
  const d = new Date(monthStart);
  return `_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

function ignoreConnectionError(): void {}

/** Month starts (epoch ms) of the partitions that exist now, ascending. */
export async function existingMonths(db: PgPool | PgClient): Promise<number[]> {
  const result = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'aiida_record'`,
  );
  const months: number[] = [];
  for (const { name } of result.rows) {
    const match = /_y(\d{4})m(\d{2})$/.exec(name);
    if (match) months.push(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
  }
  return months.sort((a, b) => a - b);
}

/**
 * Makes sure that the months of every instant in `instants` have their partitions; creates the missing
 * ones in one transaction of their own (DDL takes strong locks: never inside a batch's transaction).
 * Returns the month starts it created.
 */
export async function ensureMonths(pool: PgPool, instants: Iterable<number>): Promise<number[]> {
  const wanted = new Set<number>();
  for (const ms of instants) wanted.add(monthStartOf(ms));
  if (wanted.size === 0) return [];
  const client = await pool.connect();
  // An 'error' of the connection while checked out fails the transaction, not the process.
  client.on("error", ignoreConnectionError);
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [PARTITION_LOCK]);
    const have = new Set(await existingMonths(client));
    const created: number[] = [];
    for (const month of [...wanted].sort((a, b) => a - b)) {
      if (have.has(month)) continue;
      const from = new Date(month).toISOString();
      const to = new Date(nextMonthStart(month)).toISOString();
      for (const table of PARTITIONED) {
        await client.query(
          `CREATE TABLE ${table}${partitionSuffix(month)} PARTITION OF ${table} FOR VALUES FROM ('${from}') TO ('${to}')`,
        );
      }
      created.push(month);
    }
    await client.query("COMMIT");
    return created;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    broken = error as Error;
    throw error;
  } finally {
    client.off("error", ignoreConnectionError);
    // A connection whose transaction failed in an unknown state is dropped, not reused.
    client.release(broken);
  }
}

/** What dropping old months removed. */
export interface DroppedMonths {
  /** Month starts whose partitions went, ascending. */
  readonly months: number[];
  /** Records they held (counted under the drop's lock, so exact). */
  readonly records: number;
}

/**
 * Drops the partitions of every month that ends at or before `before` (whole months only: the month
 * `before` falls in stays), counting their records first. `alsoInTransaction` runs in the same
 * transaction before the drops, with the first month kept (to forget what summarised the records).
 */
export async function dropMonthsBefore(
  pool: PgPool,
  before: number,
  alsoInTransaction?: (client: PgClient, firstKept: number) => Promise<void>,
): Promise<DroppedMonths> {
  const cutoff = monthStartOf(before);
  const client = await pool.connect();
  // An 'error' of the connection while checked out fails the transaction, not the process.
  client.on("error", ignoreConnectionError);
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [PARTITION_LOCK]);
    const months = (await existingMonths(client)).filter((month) => month < cutoff);
    let records = 0;
    for (const month of months) {
      // Locked before the count: a late record cannot slip in between the count and the drop.
      const tables = PARTITIONED.map((table) => `${table}${partitionSuffix(month)}`);
      await client.query(`LOCK TABLE ${tables.join(", ")} IN ACCESS EXCLUSIVE MODE`);
      const counted = await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${tables[0]}`);
      records += counted.rows[0]?.n ?? 0;
    }
    if (months.length > 0 && alsoInTransaction) await alsoInTransaction(client, cutoff);
    for (const month of months) {
      for (const table of PARTITIONED) await client.query(`DROP TABLE ${table}${partitionSuffix(month)}`);
    }
    await client.query("COMMIT");
    return { months, records };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    broken = error as Error;
    throw error;
  } finally {
    client.off("error", ignoreConnectionError);
    // A connection whose transaction failed in an unknown state is dropped, not reused.
    client.release(broken);
  }
}
