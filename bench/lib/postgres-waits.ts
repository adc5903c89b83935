import { benchPool } from "./postgres.ts";

/** How often the sampler looks at what the database's sessions are doing. */
const SAMPLE_MS = 100;

/**
 * Samples pg_stat_activity of one database every 100 ms while it runs: how often an active session
 * was seen waiting on what (or on CPU), a diagnosis of where ingest on PostgreSQL spends its time.
 * `stop()` resolves with the counts, most frequent first.
 */
export async function sampleWaits(url: string): Promise<{ stop(): Promise<Record<string, number>> }> {
  const pool = await benchPool(url);
  const counts = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const rows = await pool.query<{ wait: string; n: number }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait, count(*) AS n
           FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
          GROUP BY 1`,
      );
      for (const r of rows.rows) counts.set(r.wait, (counts.get(r.wait) ?? 0) + r.n);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await pool.end();
      return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
    },
  };
}
