import type Database from "better-sqlite3";
import type { SecretBox } from "../../platform/secret-box.ts";
import type { HubStorage } from "../ports.ts";
import { SqliteAdminStore } from "./admin-repository.ts";
import { DataSourceKeys } from "./data-source-keys.ts";
import { SqliteDataSourceStore } from "./data-source-repository.ts";
import { DatabaseFile } from "./database-file.ts";
import { SqliteDeviceSessionStore } from "./device-session-repository.ts";
import { SqliteInstanceStore } from "./instance-repository.ts";
import { openDatabase } from "./open-database.ts";
import { SqlitePermissionStore } from "./permission-repository.ts";
import { SqliteSharingOutboxStore } from "./sharing-outbox-repository.ts";
import { WorkerRecordReader } from "./worker-record-reader.ts";
import { WorkerRecordWriter } from "./worker-record-writer.ts";

/** How often the database file's identity is checked while the hub runs (one stat, off the event loop). */
const DATABASE_CHECK_MS = 2000;

/** All stores of the hub over one SQLite file. */
/** All stores of the hub over one SQLite file, with the parts only SQLite has (for tests). */
export interface SqliteStorage extends HubStorage {
  readonly writer: WorkerRecordWriter;
  /** The main thread's connection, for tests that set limits on it (PRAGMA max_page_count: a full disk). */
  readonly mainConnection: Database.Database;
}

/**
 * Opens the SQLite file, migrates it and wires the stores. Records are written by a writer thread and
 * read by a reader thread, each on its own connection; data sources, credentials and the admin use this
 * thread's connection (WAL lets all three work at once). Secrets (access tokens, broker passwords) are
 * sealed with `secrets`; without it, storing or reading one throws.
 */
export async function openSqliteStorage(file: string, secrets?: SecretBox): Promise<SqliteStorage> {
  const db: Database.Database = openDatabase(file);
  const identity = new DatabaseFile(file);
  const keys = DataSourceKeys.load(db);
  const writer = new WorkerRecordWriter(file, keys);
  const reader = new WorkerRecordReader(file, keys);
  try {
    await Promise.all([writer.ready, reader.ready]);
  } catch (err) {
    await Promise.allSettled([reader.close(), writer.close()]); // the one that did start must not linger
    db.close();
    throw err;
  }
  const lostListeners: ((reason: string) => void)[] = [];
  let lost: string | undefined;
  const loseOnce = (reason: string) => {
    if (lost !== undefined) return;
    lost = reason;
    clearInterval(watch);
    // This thread's changes (logins, data sources, permissions) would be lost with the file too.
    db.pragma("query_only = ON");
    for (const listener of lostListeners) listener(reason);
  };
  // Also while no message arrives, so health tells at once; the writer checks after every commit.
  const watch = setInterval(() => {
    void identity.lost().then((reason) => reason !== undefined && loseOnce(reason));
  }, DATABASE_CHECK_MS);
  watch.unref();
  writer.onDatabaseLost(loseOnce);
  return {
    dataSources: new SqliteDataSourceStore(db, keys),
    records: reader,
    writer,
    admin: new SqliteAdminStore(db),
    mainConnection: db,
    onDatabaseLost: (listener) => {
      lostListeners.push(listener);
    },
    sharingOutbox: new SqliteSharingOutboxStore(db),
    instance: new SqliteInstanceStore(db, secrets),
    permissions: new SqlitePermissionStore(db, secrets),
    deviceSessions: new SqliteDeviceSessionStore(db),
    close: async () => {
      clearInterval(watch);
      await reader.close();
      await writer.close();
      db.close();
    },
  };
}
