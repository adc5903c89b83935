import type { PgClient } from "./pg-pool.ts";

/**
 * The channel on which a data source's committed change (created, changed, given a new password, deleted)
 * is announced to every hub instance; the payload is the data source's id.
 */
export const DATA_SOURCE_CHANGES_CHANNEL = "aiida_data_source";

/** Announces a change of data source `id` inside the caller's transaction: delivered on commit, never on rollback. */
export async function announceDataSourceChange(client: PgClient, id: string): Promise<void> {
  await client.query("SELECT pg_notify($1, $2)", [DATA_SOURCE_CHANGES_CHANNEL, id]);
}
