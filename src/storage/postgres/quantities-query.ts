import { obisByKey } from "../../domain/obis-code.ts";
import { pgInstant } from "./pg-instant.ts";
import type { PgClient } from "./pg-pool.ts";
import { rollupCoverage } from "./rollup-coverage.ts";

/**
 * OBIS codes of data source `key` with values at `from` ≤ ts < `to`, in catalogue (key) order: the
 * rollup rows answer for the hours they cover, so a year costs no scan of its raw values.
 */
export async function quantitiesIn(
  client: PgClient,
  key: number,
  from: number,
  to: number,
): Promise<string[]> {
  if (from >= to) return [];
  const found = new Set<number>();
  const { rolled, raw } = await rollupCoverage(client, key, from, to - 1);
  for (const [start, end] of rolled) {
    const rows = await client.query<{ k: number }>(
      "SELECT DISTINCT obis_key AS k FROM aiida_rollup_hour WHERE data_source_key = $1 AND hour >= $2 AND hour < $3",
      [key, new Date(start), new Date(end)],
    );
    for (const { k } of rows.rows) found.add(k);
  }
  for (const [a, b] of raw) {
    const rows = await client.query<{ k: number }>(
      "SELECT DISTINCT obis_key AS k FROM aiida_record_value WHERE data_source_key = $1 AND ts >= $2 AND ts <= $3",
      [key, pgInstant(a), pgInstant(b)],
    );
    for (const { k } of rows.rows) found.add(k);
  }
  return [...found]
    .sort((x, y) => x - y)
    .flatMap((k) => {
      const code = obisByKey(k)?.code;
      return code === undefined ? [] : [code];
    });
}
