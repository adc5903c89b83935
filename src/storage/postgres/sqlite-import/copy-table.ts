import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import { inTransaction, type PgPool } from "../pg-pool.ts";
import type { ColumnKind, TableCopy } from "./table-copies.ts";

/** Rows per INSERT: well below PostgreSQL's 65,535 parameters for the widest table (26 columns). */
const ROWS_PER_INSERT = 500;

/** A SQLite value as PostgreSQL takes it for a column of `kind`. */
export function converted(value: unknown, kind: ColumnKind | undefined): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case "bool":
      return value !== 0;
    case "time":
      return new Date(Number(value));
    case "bytes":
      return Buffer.isBuffer(value) ? value : Buffer.from(String(value));
    case "sha256":
      // Device sessions are keyed by their client id's digest (a client id may be 65,535 bytes long).
      return createHash("sha256").update(String(value), "utf8").digest();
    default:
      return value;
  }
}

/** Copies one table's rows from SQLite; rows already in PostgreSQL are kept or replaced as the copy says. */
export async function copyTable(sqlite: Database.Database, pool: PgPool, copy: TableCopy): Promise<number> {
  const select = copy.columns.map((c) => `${c.from ?? c.name} AS "${c.name}"`).join(", ");
  const rows = sqlite
    .prepare(
      `SELECT ${select} FROM ${copy.source}${copy.orderBy === undefined ? "" : ` ORDER BY ${copy.orderBy}`}`,
    )
    .all() as Record<string, unknown>[];
  const names = copy.columns.map((c) => c.name);
  const conflict =
    copy.onConflict === "keep"
      ? "ON CONFLICT DO NOTHING"
      : `ON CONFLICT (${copy.onConflict.replace}) DO UPDATE SET ${names
          .filter((n) => n !== (copy.onConflict as { replace: string }).replace)
          .map((n) => `${n} = excluded.${n}`)
          .join(", ")}`;
  const overriding = copy.identity === undefined ? "" : "OVERRIDING SYSTEM VALUE";
  await inTransaction(pool, async (client) => {
    if (copy.replaceBy !== undefined) {
      const owners = [...new Set(rows.map((r) => r[copy.replaceBy as string]))];
      await client.query(`DELETE FROM ${copy.table} WHERE ${copy.replaceBy} = ANY($1)`, [owners]);
    }
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const chunk = rows.slice(start, start + ROWS_PER_INSERT);
      const params: unknown[] = [];
      const tuples = chunk.map((row) => {
        const marks = copy.columns.map((c) => {
          params.push(converted(row[c.name], c.kind));
          return `$${params.length}`;
        });
        return `(${marks.join(", ")})`;
      });
      await client.query(
        `INSERT INTO ${copy.table} (${names.join(", ")}) ${overriding} VALUES ${tuples.join(", ")} ${conflict}`,
        params,
      );
    }
    if (copy.identity !== undefined) await moveIdentityPast(client, sqlite, copy);
  });
  return rows.length;
}

/**
 * Moves the identity sequence past every id SQLite ever gave out (AUTOINCREMENT's high-water mark, which
 * counts deleted rows too): an id is never given twice, also after the copy.
 */
async function moveIdentityPast(
  client: { query: PgPool["query"] },
  sqlite: Database.Database,
  copy: TableCopy,
): Promise<void> {
  const id = copy.identity as string;
  const highest = sqlite.prepare(`SELECT max(${id}) AS n FROM ${copy.source}`).get() as { n: number | null };
  const sequence = sqlite.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?").get(copy.source) as
    | { seq: number }
    | undefined;
  const past = Math.max(highest.n ?? 0, sequence?.seq ?? 0);
  if (past === 0) return;
  await client.query(
    `SELECT setval(pg_get_serial_sequence($1, $2), GREATEST($3::bigint, (SELECT coalesce(max(${id}), 0) FROM ${copy.table})))`,
    [copy.table, id, past],
  );
}
