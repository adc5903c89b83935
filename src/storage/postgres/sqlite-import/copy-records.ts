import type Database from "better-sqlite3";
import { inTransaction, type PgPool } from "../pg-pool.ts";
import { ensureMonths } from "../record-partitions.ts";

/** Records per PostgreSQL transaction: a resumed copy repeats at most this many. */
export const RECORDS_PER_CHUNK = 2000;

/** Called after each committed chunk (progress; tests stop a copy part-way with it). */
export type ChunkListener = (copied: { dataSourceKey: number; records: number; values: number }) => void;

/**
 * Copies every data source's records and values (also of deleted sources, which retention purges later),
 * oldest first, a chunk per transaction. Resumable: per source it starts after the newest record already
 * in PostgreSQL, and a chunk's records and values commit together. Returns how many of each it copied.
 */
export async function copyRecords(
  sqlite: Database.Database,
  pool: PgPool,
  onChunk: ChunkListener = () => {},
  recordsPerChunk = RECORDS_PER_CHUNK,
): Promise<{ records: number; values: number }> {
  const keys = sqlite
    .prepare("SELECT DISTINCT data_source_key FROM aiida_record ORDER BY 1")
    .pluck()
    .all() as number[];
  const recordsAfter = sqlite.prepare(
    `SELECT ts, received_delta, ts_source FROM aiida_record WHERE data_source_key = ? AND ts > ? ORDER BY ts LIMIT ${recordsPerChunk}`,
  );
  const valuesIn = sqlite.prepare(
    "SELECT ts, obis_key, value, quality FROM aiida_record_value WHERE data_source_key = ? AND ts > ? AND ts <= ? ORDER BY ts, obis_key",
  );
  let records = 0;
  let values = 0;
  for (const key of keys) {
    const newest = await pool.query<{ ms: number | null }>(
      "SELECT (extract(epoch FROM max(ts)) * 1000)::float8 AS ms FROM aiida_record WHERE data_source_key = $1",
      [key],
    );
    let after = newest.rows[0]?.ms ?? Number.MIN_SAFE_INTEGER;
    for (;;) {
      const chunk = recordsAfter.all(key, after) as {
        ts: number;
        received_delta: number;
        ts_source: number;
      }[];
      if (chunk.length === 0) break;
      const last = chunk[chunk.length - 1]?.ts as number;
      const chunkValues = valuesIn.all(key, after, last) as {
        ts: number;
        obis_key: number;
        value: number;
        quality: number;
      }[];
      await ensureMonths(
        pool,
        chunk.map((r) => r.ts),
      );
      await inTransaction(pool, async (client) => {
        await client.query(
          `INSERT INTO aiida_record (ts, received_at, data_source_key, ts_source)
           SELECT t, r, $3, s FROM unnest($1::timestamptz[], $2::timestamptz[], $4::int2[]) AS u(t, r, s)
           ON CONFLICT DO NOTHING`,
          [
            chunk.map((r) => new Date(r.ts)),
            chunk.map((r) => new Date(r.ts + r.received_delta)),
            key,
            chunk.map((r) => r.ts_source),
          ],
        );
        await client.query(
          `INSERT INTO aiida_record_value (ts, value, data_source_key, obis_key, quality)
           SELECT t, v, $3, o, q FROM unnest($1::timestamptz[], $2::float8[], $4::int2[], $5::int2[]) AS u(t, v, o, q)
           ON CONFLICT DO NOTHING`,
          [
            chunkValues.map((v) => new Date(v.ts)),
            chunkValues.map((v) => v.value),
            key,
            chunkValues.map((v) => v.obis_key),
            chunkValues.map((v) => v.quality),
          ],
        );
      });
      records += chunk.length;
      values += chunkValues.length;
      after = last;
      onChunk({ dataSourceKey: key, records: chunk.length, values: chunkValues.length });
    }
  }
  return { records, values };
}
