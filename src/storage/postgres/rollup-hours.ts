import { HOUR_MS, summariseHours } from "../sqlite/hour-summary.ts";
import { msOf } from "./pg-instant.ts";
import type { PgClient } from "./pg-pool.ts";

/**
 * Recomputes the rollup rows of data source `key` for the whole hours [from, to). The hours are
 * summed up in TypeScript by the same code as SQLite's (summariseHours), so both dialects keep the
 * same rows to the last bit; a window query doing it in SQL took longer (it sorts every value by
 * quantity first) and needs its own compensated sum. Read an hour at a time, so memory stays small.
 */
export async function rollUpHours(client: PgClient, key: number, from: number, to: number): Promise<void> {
  await client.query(
    "DELETE FROM aiida_rollup_hour WHERE data_source_key = $1 AND hour >= $2 AND hour < $3",
    [key, new Date(from), new Date(to)],
  );
  for (let hour = from; hour < to; hour += HOUR_MS) {
    const values = await client.query<[number, number, number]>({
      // In the primary key's order (time, then quantity): summariseHours sums each quantity in time order.
      text: `SELECT obis_key, ${msOf("ts")}, value FROM aiida_record_value
              WHERE data_source_key = $1 AND ts >= $2 AND ts < $3 ORDER BY ts, obis_key`,
      values: [key, new Date(hour), new Date(hour + HOUR_MS)],
      rowMode: "array",
    });
    if (values.rows.length > 0) await insertHours(client, key, summariseHours(values.rows));
  }
}

async function insertHours(client: PgClient, key: number, hours: ReturnType<typeof summariseHours>) {
  const column = <T>(pick: (h: (typeof hours)[number]) => T) => hours.map(pick);
  await client.query(
    `INSERT INTO aiida_rollup_hour (data_source_key, obis_key, hour, min, max, sum, count, first_ts, first_value,
       last_ts, last_value, max_gap, rise, falls, area)
     SELECT $1, * FROM unnest($2::smallint[], $3::timestamptz[], $4::float8[], $5::float8[], $6::float8[],
       $7::int[], $8::timestamptz[], $9::float8[], $10::timestamptz[], $11::float8[], $12::bigint[],
       $13::float8[], $14::int[], $15::float8[])`,
    [
      key,
      column((h) => h.obisKey),
      column((h) => new Date(h.hour)),
      column((h) => h.min),
      column((h) => h.max),
      column((h) => h.sum),
      column((h) => h.run.count),
      column((h) => new Date(h.run.firstTs)),
      column((h) => h.run.firstValue),
      column((h) => new Date(h.run.lastTs)),
      column((h) => h.run.lastValue),
      column((h) => h.run.maxGap),
      column((h) => h.run.rise),
      column((h) => h.run.falls),
      column((h) => h.run.area),
    ],
  );
}
