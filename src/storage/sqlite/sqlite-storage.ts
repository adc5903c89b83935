import type Database from "better-sqlite3";
import type { AdminStore, DataSourceStore, RecordStore, RecordWriter } from "../ports.ts";
import { SqliteAdminStore } from "./admin-repository.ts";
import { DataSourceKeys } from "./data-source-keys.ts";
import { SqliteDataSourceStore } from "./data-source-repository.ts";
import { openDatabase } from "./open-database.ts";
import { SqliteRecordStore } from "./record-repository.ts";
import { WorkerRecordWriter } from "./worker-record-writer.ts";

/** All stores of the hub over one SQLite file. */
export interface Storage {
  readonly dataSources: DataSourceStore;
  readonly records: RecordStore;
  readonly writer: RecordWriter;
  readonly admin: AdminStore;
  /** Lets the writer finish what it was given, then closes both connections. */
  close(): Promise<void>;
}

/**
 * Opens the SQLite file, migrates it and wires the stores. Records are written by a worker thread
 * on its own connection; everything else uses this thread's connection (WAL lets both work at once).
 */
export async function openSqliteStorage(file: string): Promise<Storage> {
  const db: Database.Database = openDatabase(file);
  const keys = DataSourceKeys.load(db);
  const writer = new WorkerRecordWriter(file, keys);
  try {
    await writer.ready;
  } catch (err) {
    db.close();
    throw err;
  }
  return {
    dataSources: new SqliteDataSourceStore(db, keys),
    records: new SqliteRecordStore(db, keys),
    writer,
    admin: new SqliteAdminStore(db),
    close: async () => {
      await writer.close();
      db.close();
    },
  };
}
