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
 * in PostgreSQL, and a chunk's records, each with its values as arrays in its row, go in with one INSERT.
 * Returns how many of each it copied.
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
      // Each record's values (in ascending obis_key order) as the 1-based slice lo..hi of the flat arrays.
      const lo: number[] = new Array(chunk.length);
      const hi: number[] = new Array(chunk.length);
      const obisKeys: number[] = [];
      const numbers: number[] = [];
      const qualities: number[] = [];
      let v = 0;
      for (let i = 0; i < chunk.length; i++) {
        const ts = (chunk[i] as { ts: number }).ts;
        // A value without its record cannot be stored; it is left out, and the counts then disagree.
        while (v < chunkValues.length && (chunkValues[v] as { ts: number }).ts < ts) v++;
        lo[i] = obisKeys.length + 1;
        for (; v < chunkValues.length && (chunkValues[v] as { ts: number }).ts === ts; v++) {
          const value = chunkValues[v] as { obis_key: number; value: number; quality: number };
          obisKeys.push(value.obis_key);
          numbers.push(value.value);
          qualities.push(value.quality);
        }
        hi[i] = obisKeys.length;
      }
      await inTransaction(pool, async (client) => {
        // A slice lo..hi with hi < lo is '{}': a record without values.
        await client.query(
          `INSERT INTO aiida_record (ts, received_at, data_source_key, ts_source, obis_keys, quantity_values, qualities)
           SELECT u.t, u.rcv, $3, u.s, ($7::int2[])[u.lo:u.hi], ($8::float8[])[u.lo:u.hi], ($9::int2[])[u.lo:u.hi]
             FROM unnest($1::timestamptz[], $2::timestamptz[], $4::int2[], $5::int4[], $6::int4[]) AS u(t, rcv, s, lo, hi)
           ON CONFLICT DO NOTHING`,
          [
            chunk.map((r) => new Date(r.ts)),
            chunk.map((r) => new Date(r.ts + r.received_delta)),
            key,
            chunk.map((r) => r.ts_source),
            lo,
            hi,
            obisKeys,
            numbers,
            qualities,
          ],
        );
      });
      records += chunk.length;
      values += obisKeys.length;
      after = last;
      onChunk({ dataSourceKey: key, records: chunk.length, values: obisKeys.length });
    }
  }
  return { records, values };
}
