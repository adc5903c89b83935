import type Database from "better-sqlite3";
import type { AdminStore, DataSourceStore, RecordStore } from "../ports.ts";
import { SqliteAdminStore } from "./admin-repository.ts";
import { DataSourceKeys } from "./data-source-keys.ts";
import { SqliteDataSourceStore } from "./data-source-repository.ts";
import { openDatabase } from "./open-database.ts";
import { SqliteRecordStore } from "./record-repository.ts";

/** All stores of the hub over one SQLite file. */
export interface Storage {
  readonly dataSources: DataSourceStore;
  readonly records: RecordStore;
  readonly admin: AdminStore;
  close(): void;
}

/** Opens the SQLite file, migrates it and wires the stores that share it. */
export function openSqliteStorage(file: string): Storage {
  const db: Database.Database = openDatabase(file);
  const keys = DataSourceKeys.load(db);
  return {
    dataSources: new SqliteDataSourceStore(db, keys),
    records: new SqliteRecordStore(db, keys),
    admin: new SqliteAdminStore(db),
    close: () => db.close(),
  };
}
