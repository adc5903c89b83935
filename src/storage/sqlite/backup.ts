import { existsSync } from "node:fs";
import Database from "better-sqlite3";

/** Copies the hub's database consistently to `destination` with SQLite's online backup; safe while the hub runs. */
export async function backupDatabase(source: string, destination: string): Promise<void> {
  if (!existsSync(source)) throw new Error(`There is no database at ${source}; check --data-dir.`);
  if (existsSync(destination)) throw new Error(`${destination} exists already; choose a new file name.`);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(destination);
  } finally {
    db.close();
  }
}
