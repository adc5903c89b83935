import Database from "better-sqlite3";
import { migrate } from "./migrations.ts";

/** Opens (creating if needed) the hub's SQLite file, tuned for durable batched writes, and migrates it. */
export function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  // FULL fsyncs the WAL on every commit: an acknowledged message survives a power cut, not only a crash.
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  migrate(db);
  return db;
}
