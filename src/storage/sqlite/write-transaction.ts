import type Database from "better-sqlite3";
import { HubError } from "../../domain/hub-error.ts";

/**
 * Runs `fn` in a transaction that takes the write lock at its start (BEGIN IMMEDIATE). Several
 * connections write to the file (main thread, writer thread): a DEFERRED transaction that reads
 * before it writes cannot wait for the lock when it upgrades (busy_timeout does not apply there) and
 * fails at once with SQLITE_BUSY, while an IMMEDIATE one waits its turn.
 */
export function inWriteTransaction<T>(db: Database.Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** What a person is told when a change is refused because the disk is full. */
export const DISK_FULL_MESSAGE =
  "The disk that holds the hub's database is full, so nothing was changed; free some space and try again.";

/** What a person is told when a change is refused because the database file was deleted or replaced. */
export const DATABASE_LOST_MESSAGE =
  "The hub's database file was deleted or replaced while it ran, so nothing was changed; restore the data directory and restart the hub.";

/**
 * {@link inWriteTransaction} for the changes a person asks for (a login, a new data source): a full
 * disk (SQLITE_FULL, which is also how SQLite reports ENOSPC), or a database file that is gone (the
 * connection is then made read-only), becomes UNAVAILABLE with a sentence that says so, instead of an
 * internal error. The transaction is rolled back: nothing is half-done.
 */
export function inRequestTransaction<T>(db: Database.Database, fn: () => T): T {
  try {
    return inWriteTransaction(db, fn);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "SQLITE_FULL") throw new HubError("UNAVAILABLE", DISK_FULL_MESSAGE, undefined, err);
    if (code === "SQLITE_READONLY") throw new HubError("UNAVAILABLE", DATABASE_LOST_MESSAGE, undefined, err);
    throw err;
  }
}
