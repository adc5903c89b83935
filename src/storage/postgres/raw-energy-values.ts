import { msOf, pgInstant } from "./pg-instant.ts";
import type { PgClient } from "./pg-pool.ts";

/** Rows per page: a year read raw is streamed in pieces instead of held in memory at once. */
const PAGE_ROWS = 20_000;

/**
 * The raw values of the quantities `obisKeys` of data source `key` at `from` ≤ ts < `to`, as
 * [OBIS key, ts, value] in time order; read page by page, each page continuing after the last
 * (ts, OBIS key) of the one before (the primary key's order, so no page sorts).
 */
export async function* rawEnergyValues(
  client: PgClient,
  key: number,
  from: number,
  to: number,
  obisKeys: readonly number[],
): AsyncGenerator<[number, number, number]> {
  let after: [number, number] | undefined;
  for (;;) {
    const page = await client.query<[number, number, number]>({
      text: `SELECT obis_key, ${msOf("ts")}, value FROM aiida_record_value
              WHERE data_source_key = $1 AND ts >= $2 AND ts < $3 AND obis_key = ANY($4::smallint[])
                AND (ts, obis_key) > ($5::timestamptz, $6::smallint)
              ORDER BY ts, obis_key LIMIT ${PAGE_ROWS}`,
      values: [
        key,
        pgInstant(from),
        pgInstant(to),
        obisKeys,
        pgInstant(after?.[0] ?? from),
        after?.[1] ?? -1,
      ],
      rowMode: "array",
    });
    yield* page.rows;
    const last = page.rows.at(-1);
    if (!last || page.rows.length < PAGE_ROWS) return;
    after = [last[1], last[0]];
  }
}
