import type { SecretBox } from "../../platform/secret-box.ts";
import type { HubStorage } from "../ports.ts";
import { PgAdminStore } from "./admin-repository.ts";
import { PgDataSourceStore } from "./data-source-repository.ts";
import { PgDeviceSessionStore } from "./device-session-repository.ts";
import { PgInstanceStore } from "./instance-repository.ts";
import { migratePostgres } from "./migrations.ts";
import { PgPermissionStore } from "./permission-repository.ts";
import { openPgPool, type PgPool } from "./pg-pool.ts";
import { PgRecordStore } from "./record-store.ts";
import { PgRecordWriter } from "./record-writer.ts";
import { PgHourlyRollup } from "./rollup.ts";
import { PgSharingOutboxStore } from "./sharing-outbox-repository.ts";
import { WorkerBatchCommitter } from "./worker-batch-committer.ts";

/** Connections of one hub instance for reads, requests and the jobs (the batch writer thread has its own). */
const POOL_SIZE = 8;

/** The hub's stores on PostgreSQL, with the pool, for the parts that coordinate several instances. */
export interface PostgresStorage extends HubStorage {
  readonly pool: PgPool;
}

/**
 * Connects to PostgreSQL at `url`, migrates the schema (under an advisory lock, so several instances may
 * start at once) and wires the stores. Secrets are sealed with `secrets` as on SQLite.
 */
export async function openPostgresStorage(
  url: string,
  secrets: SecretBox | undefined,
  applicationName = "aiida-hub",
): Promise<PostgresStorage> {
  const pool = openPgPool(url, { max: POOL_SIZE, applicationName });
  let batches: WorkerBatchCommitter | undefined;
  try {
    await migratePostgres(pool);
    const rollup = new PgHourlyRollup(pool);
    // The thread starts once the writer made this month's and the next month's partitions, so the
    // partitions it reads at start include them: its first batch makes none again.
    const writer = await PgRecordWriter.open(pool, rollup, Date.now(), () => {
      batches = new WorkerBatchCommitter(url, applicationName);
      return batches;
    });
    await batches?.ready;
    return {
      pool,
      dataSources: new PgDataSourceStore(pool),
      records: new PgRecordStore(pool, rollup),
      writer,
      admin: new PgAdminStore(pool),
      // PostgreSQL is reached over the network: there is no file that can vanish under the hub.
      onDatabaseLost: () => {},
      sharingOutbox: new PgSharingOutboxStore(pool),
      instance: new PgInstanceStore(pool, secrets),
      permissions: new PgPermissionStore(pool, secrets),
      deviceSessions: new PgDeviceSessionStore(pool),
      close: async () => {
        await writer.close();
        await pool.end();
      },
    };
  } catch (error) {
    await Promise.all([pool.end().catch(() => {}), batches?.close().catch(() => {})]);
    throw error;
  }
}
