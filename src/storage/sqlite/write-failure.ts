import { DATABASE_LOST } from "./database-file.ts";

/**
 * SQLite result codes (and extended codes under them) that fail every write alike: the disk is full,
 * I/O fails, the file is locked, read-only, gone or damaged. Splitting a batch cannot help with them.
 */
const EVERY_WRITE_FAILS =
  /^SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|CORRUPT|NOTADB|NOMEM|PROTOCOL|PERM|AUTH|INTERRUPT)/;

/**
 * Whether a failed write may be down to one of its messages (a constraint, a refused hub-stamped
 * time), so that writing the messages in smaller pieces lets the others through. An error without a
 * code (a thread that died or was closed, a bug) is not.
 */
export function mayBeOneMessage(code: string | undefined): boolean {
  return code !== undefined && code !== DATABASE_LOST && !EVERY_WRITE_FAILS.test(code);
}
