import type Database from "better-sqlite3";

/**
 * Runs `fn` in a transaction that takes the write lock at its start (BEGIN IMMEDIATE). Several
 * connections write to the file (main thread, writer thread): a DEFERRED transaction that reads
 * before it writes cannot wait for the lock when it upgrades (busy_timeout does not apply there) and
 * fails at once with SQLITE_BUSY, while an IMMEDIATE one waits its turn.
 */
export function inWriteTransaction<T>(db: Database.Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}
