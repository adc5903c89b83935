import type Database from "better-sqlite3";
import type { SecretBox } from "../../platform/secret-box.ts";
import type {
  AdminStore,
  DataSourceStore,
  InstanceStore,
  PermissionStore,
  RecordStore,
  RecordWriter,
} from "../ports.ts";
import { SqliteAdminStore } from "./admin-repository.ts";
import { DataSourceKeys } from "./data-source-keys.ts";
import { SqliteDataSourceStore } from "./data-source-repository.ts";
import { SqliteInstanceStore } from "./instance-repository.ts";
import { openDatabase } from "./open-database.ts";
import { SqlitePermissionStore } from "./permission-repository.ts";
import { WorkerRecordReader } from "./worker-record-reader.ts";
import { WorkerRecordWriter } from "./worker-record-writer.ts";

/** All stores of the hub over one SQLite file. */
export interface Storage {
  readonly dataSources: DataSourceStore;
  readonly records: RecordStore;
  readonly writer: RecordWriter;
  readonly admin: AdminStore;
  readonly instance: InstanceStore;
  readonly permissions: PermissionStore;
  /** Lets the reader and the writer finish what they were given, then closes all three connections. */
  close(): Promise<void>;
}

/**
 * Opens the SQLite file, migrates it and wires the stores. Records are written by a writer thread and
 * read by a reader thread, each on its own connection; data sources, credentials and the admin use this
 * thread's connection (WAL lets all three work at once). Secrets (access tokens, broker passwords) are
 * sealed with `secrets`; without it, storing or reading one throws.
 */
export async function openSqliteStorage(file: string, secrets?: SecretBox): Promise<Storage> {
  const db: Database.Database = openDatabase(file);
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
  return {
    dataSources: new SqliteDataSourceStore(db, keys),
    records: reader,
    writer,
    admin: new SqliteAdminStore(db),
    instance: new SqliteInstanceStore(db, secrets),
    permissions: new SqlitePermissionStore(db, secrets),
    close: async () => {
      await reader.close();
      await writer.close();
      db.close();
    },
  };
}
