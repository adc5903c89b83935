import { HOUR_MS, summariseHours } from "../sqlite/hour-summary.ts";
import { pgInstant } from "./pg-instant.ts";
import type { PgClient } from "./pg-pool.ts";

/**
 * Values one catch-up step reads at most (unless a single hour holds more): how long a writer of the
 * data source may wait for the step's transaction depends on it, not on how many hours the values span.
 */
export const VALUES_PER_STEP = 50_000;

/**
 * The values' instants as epoch ms: date_part's float seconds rounded to the ms, not msOf's numeric
 * arithmetic, which took half the server's time of a catch-up read (~45 of ~100 ms per 50,000 values).
 * Exact for the whole-ms instants the hub stores: the float's error stays below 0.05 ms up to year 9999.
 */
const READ_MS_OF_TS = "round(date_part('epoch', v.ts) * 1000)";

/** Records the first page of a bounded read takes; the next pages follow the values per record seen. */
const FIRST_PAGE_RECORDS = 2048;
/** Records a later page reads beyond its estimate, so that a page rarely falls a few values short. */
const PAGE_SLACK_RECORDS = 16;

/** [OBIS key, ts in epoch ms, value], in the primary key's order (time, then quantity). */
type RawValue = [obisKey: number, ts: number, value: number];

/**
 * Recomputes the rollup rows of data source `key` for the whole hours [from, to), from one read of
 * their values. The hours are summed up in TypeScript by the same code as SQLite's (summariseHours), so
 * both dialects keep the same rows to the last bit; a window query doing it in SQL took longer (it
 * sorts every value by quantity first) and needs its own compensated sum.
 */
export async function rollUpHours(client: PgClient, key: number, from: number, to: number): Promise<void> {
  await replaceHours(client, key, from, to, await readValues(client, key, from, to));
}

/**
 * Rolls up data source `key` from the whole hour `from` on, as far towards `upto` as `maxValues` values
 * reach (whole hours only; at least the first hour with values), and returns where it stopped.
 * One read for the whole range: a read per hour spent more time planning (a partition per month) than
 * reading, and sparse hours cost as many reads as dense ones.
 */
export async function rollUpFrom(
  client: PgClient,
  key: number,
  from: number,
  upto: number,
  maxValues: number = VALUES_PER_STEP,
): Promise<number> {
  const values = await readValues(client, key, from, upto, maxValues + 1);
  const last = values.at(-1);
  if (!last || values.length <= maxValues) {
    await replaceHours(client, key, from, upto, values);
    return upto;
  }
  // The hour of the last value read may go on beyond the limit: it is left for the next step.
  const cut = hourOf(last[1]);
  const firstHour = hourOf(values[0]?.[1] ?? cut);
  if (cut > firstHour) {
    let end = values.length;
    while (end > 0 && (values[end - 1]?.[1] ?? cut) >= cut) end--;
    values.length = end;
    await replaceHours(client, key, from, cut, values);
    return cut;
  }
  // One hour alone holds more than the limit: it is rolled up whole all the same.
  const to = firstHour + HOUR_MS;
  await rollUpHours(client, key, from, to);
  return to;
}

function hourOf(ts: number): number {
  return Math.floor(ts / HOUR_MS) * HOUR_MS;
}

/**
 * The values of data source `key` at from ≤ ts < to in time order (then quantity order, as each record's
 * arrays are), the first `limit` of them when given. Read as records, their arrays flattened here: no
 * row per value to unnest and sort on the server, and half as many rows on the wire.
 */
async function readValues(
  client: PgClient,
  key: number,
  from: number,
  to: number,
  limit?: number,
): Promise<RawValue[]> {
  const values: RawValue[] = [];
  let records = 0;
  let after = from;
  let inclusive = true;
  for (;;) {
    // Records hold a few values each: a first page, then as many records as the values still wanted
    // need at the values per record seen so far (reading past the limit wastes the server's time).
    const wanted =
      limit === undefined
        ? undefined
        : records === 0
          ? Math.min(limit, FIRST_PAGE_RECORDS)
          : Math.ceil(((limit - values.length) * records) / Math.max(values.length, 1)) + PAGE_SLACK_RECORDS;
    const read = await client.query<[number, number[], number[]]>({
      // By the column, not the ms output: the index yields that order, no sort.
      text: `SELECT ${READ_MS_OF_TS}, v.obis_keys, v.quantity_values FROM aiida_record v
              WHERE v.data_source_key = $1 AND v.ts ${inclusive ? ">=" : ">"} $2 AND v.ts < $3 ORDER BY v.ts
              ${wanted === undefined ? "" : "LIMIT $4"}`,
      values: [key, pgInstant(after), pgInstant(to), ...(wanted === undefined ? [] : [wanted])],
      rowMode: "array",
    });
    for (const [ts, obisKeys, numbers] of read.rows) {
      for (const [i, obisKey] of obisKeys.entries()) values.push([obisKey, ts, numbers[i] ?? Number.NaN]);
    }
    records += read.rows.length;
    const last = read.rows.at(-1);
    if (limit === undefined || wanted === undefined) return values;
    if (values.length >= limit) {
      values.length = limit;
      return values;
    }
    if (read.rows.length < wanted || !last) return values;
    after = last[0];
    inclusive = false;
  }
}

/** Replaces the rollup rows of the hours [from, to) with those of `values` (all of them inside). */
async function replaceHours(
  client: PgClient,
  key: number,
  from: number,
  to: number,
  values: readonly RawValue[],
): Promise<void> {
  await client.query(
    "DELETE FROM aiida_rollup_hour WHERE data_source_key = $1 AND hour >= $2 AND hour < $3",
    [key, pgInstant(from), pgInstant(to)],
  );
  if (values.length > 0) await insertHours(client, key, summariseHours(values));
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
