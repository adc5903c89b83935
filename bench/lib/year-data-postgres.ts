import type pg from "pg";
import type { RunContext } from "./context.ts";
import { hubModules, postgresModules } from "./hub-modules.ts";
import { benchPool, postgresFor } from "./postgres.ts";
import { provisionSources } from "./provision.ts";
import { STEP_MS, type YearDataset, yearRecords, yearSeries, yearSpan } from "./year-data.ts";

/** Records per INSERT … SELECT FROM unnest(…) statement (two values each, in its row), one transaction each. */
const RECORDS_PER_STATEMENT = 50_000;

/** The partitioned tables whose partitions hold the year (records, their values as arrays in their rows). */
const RECORD_TABLES = ["aiida_record"] as const;

/**
 * The same year as the SQLite loader (yearSeries: the same timestamps and values), in the data
 * directory's PostgreSQL database: the data source is copied from the SQLite file by the hub's own
 * importer, the monthly partitions made by the hub's ensureMonths, then the rows go in with set-based
 * INSERT … SELECT FROM unnest(arrays), and VACUUM ANALYZE leaves the tables as autovacuum would.
 */
export async function loadYearIntoPostgres(ctx: RunContext): Promise<YearDataset> {
  const hub = await hubModules();
  const { ensureMonths } = await postgresModules();
  const records = yearRecords(ctx);
  const dataDir = ctx.temp("year");
  const [source] = await provisionSources(dataDir, 1);
  if (!source) throw new Error("no data source");
  const url = await postgresFor(ctx, dataDir);
  const energyKey = hub.obisByCode("1-0:1.8.0")?.key;
  const powerKey = hub.obisByCode("1-0:1.7.0")?.key;
  if (energyKey === undefined || powerKey === undefined) throw new Error("OBIS codes missing");
  ctx.log(
    `  loading ${records.toLocaleString("en-US")} records (${(records * 2).toLocaleString("en-US")} values) into PostgreSQL…`,
  );
  const pool = await benchPool(url);
  try {
    const t0 = performance.now();
    const key = (await pool.query<{ key: number }>("SELECT key FROM data_source WHERE id = $1", [source.id]))
      .rows[0]?.key;
    if (key === undefined) throw new Error(`data source ${source.id} was not copied into PostgreSQL`);
    const { from } = yearSpan(records);
    const to = from + (records - 1) * STEP_MS;
    await ensureMonths(pool, monthInstants(from, to));
    const next = yearSeries(from);
    for (let first = 0; first < records; first += RECORDS_PER_STATEMENT) {
      const count = Math.min(RECORDS_PER_STATEMENT, records - first);
      const ts: number[] = new Array(count);
      const delay: number[] = new Array(count);
      const energy: number[] = new Array(count);
      const power: number[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const p = next(first + i);
        ts[i] = p.ts;
        delay[i] = p.delay;
        energy[i] = p.energy;
        power[i] = p.power;
      }
      await insertChunk(
        pool,
        { key, energyKey, powerKey, quality: hub.asProvidedQuality },
        ts,
        delay,
        energy,
        power,
      );
    }
    await pool.query(
      `INSERT INTO ingest_counter (data_source_key, messages_accepted, values_accepted, last_message_at)
       VALUES ($4, $1, $2, 'epoch'::timestamptz + $3 * interval '1 millisecond')
       ON CONFLICT (data_source_key) DO UPDATE SET messages_accepted = excluded.messages_accepted,
         values_accepted = excluded.values_accepted, last_message_at = excluded.last_message_at`,
      [records, records * 2, to, key],
    );
    // Visibility map and statistics, as autovacuum leaves a table that has been written to.
    await pool.query(`VACUUM (ANALYZE) ${RECORD_TABLES.join(", ")}`);
    const loadSeconds = (performance.now() - t0) / 1000;
    // Values are array entries in the records' rows: counted there, for the bytes per value.
    const values =
      (
        await pool.query<{ n: number }>(
          "SELECT coalesce(sum(cardinality(obis_keys)), 0)::bigint AS n FROM aiida_record WHERE data_source_key = $1",
          [key],
        )
      ).rows[0]?.n ?? 0;
    const bytesByTable = await partitionBytes(pool, RECORD_TABLES);
    const usedBytes = Object.values(bytesByTable).reduce((sum, n) => sum + n, 0);
    const fileBytes =
      (await pool.query<{ n: number }>("SELECT pg_database_size(current_database()) AS n")).rows[0]?.n ?? 0;
    ctx.log(
      `  loaded in ${loadSeconds.toFixed(1)} s (${Math.round(records / loadSeconds).toLocaleString("en-US")} records/s, VACUUM ANALYZE included)`,
    );
    return {
      dataDir,
      databaseUrl: url,
      sourceId: source.id,
      from,
      to,
      records,
      values,
      loadSeconds,
      usedBytes,
      fileBytes,
      bytesByTable,
    };
  } finally {
    await pool.end();
  }
}

/** One instant in every UTC month from `from` to `to` (both ends included). */
function monthInstants(from: number, to: number): number[] {
  const instants: number[] = [];
  for (let t = from; t < to; t += 27 * 86_400_000) instants.push(t);
  instants.push(to);
  return instants;
}

/** One chunk's records with their two values each (arrays in the record's row), in one transaction. */
async function insertChunk(
  pool: pg.Pool,
  k: { key: number; energyKey: number; powerKey: number; quality: number },
  ts: number[],
  delay: number[],
  energy: number[],
  power: number[],
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // Bulk load of a database no hub writes to yet: a crash just means loading again.
    await client.query("SET LOCAL synchronous_commit = off");
    // A record's arrays are in ascending obis_key order, as the schema wants.
    const energyFirst = k.energyKey < k.powerKey;
    await client.query(
      `INSERT INTO aiida_record (ts, received_at, data_source_key, ts_source, obis_keys, quantity_values, qualities)
       SELECT 'epoch'::timestamptz + t * interval '1 millisecond',
              'epoch'::timestamptz + (t + d) * interval '1 millisecond', $3, 1,
              ARRAY[$6::smallint, $7::smallint], ARRAY[u.a, u.b], ARRAY[$8::smallint, $8::smallint]
         FROM unnest($1::bigint[], $2::int[], $4::float8[], $5::float8[]) AS u(t, d, a, b)`,
      [
        ts,
        delay,
        k.key,
        energyFirst ? energy : power,
        energyFirst ? power : energy,
        energyFirst ? k.energyKey : k.powerKey,
        energyFirst ? k.powerKey : k.energyKey,
        k.quality,
      ],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** pg_total_relation_size (heap, indexes, TOAST) of each table's partitions (or of the table itself), by table. */
export async function partitionBytes(
  db: pg.Pool,
  tables: readonly string[],
): Promise<Record<string, number>> {
  const rows = await db.query<{ name: string; bytes: number }>(
    `SELECT p.relname AS name, sum(pg_total_relation_size(coalesce(i.inhrelid, p.oid)))::bigint AS bytes
       FROM pg_class p LEFT JOIN pg_inherits i ON i.inhparent = p.oid
      WHERE p.relname = ANY($1::text[]) AND p.relkind IN ('r', 'p')
      GROUP BY p.relname`,
    [tables],
  );
  return Object.fromEntries(rows.rows.map((r) => [r.name, r.bytes]));
}
