import type { AiidaRecord, AiidaRecordValue } from "../../domain/aiida-record.ts";
import type { QuantityEnergy } from "../../domain/energy-flow.ts";
import { obisByCode, obisByKey } from "../../domain/obis-code.ts";
import { quantityTypeByObis } from "../../domain/quantity-type.ts";
import type {
  ExportPage,
  ExportPageQuery,
  FeedbackReport,
  RecordQuery,
  RecordStore,
  SeriesPoint,
} from "../ports.ts";
import { qualityName } from "../sqlite/stored-quality.ts";
import { msOf, pgInstant } from "./pg-instant.ts";
import type { PgClient, PgPool } from "./pg-pool.ts";
import { inReadSnapshot } from "./read-snapshot.ts";
import { seriesOf } from "./record-series-query.ts";

/** What reads the hourly rollups for energy and for the quantities of a range (the rollup's own class). */
export interface RollupReads {
  quantitiesIn(dataSourceId: string, from: number, to: number): Promise<string[]>;
  energy(dataSourceId: string, edges: readonly number[], maxGapMs: number): Promise<QuantityEnergy[]>;
}

/** One value of a record, with its record's columns: a record with no (wanted) value has one row of NULLs. */
interface RecordValueRow {
  ts: number;
  received_at: number;
  ts_source: number;
  obis: number | null;
  value: number | null;
  quality: number | null;
}

const RECORD_COLUMNS = `${msOf("r.ts")} AS ts, ${msOf("r.received_at")} AS received_at, r.ts_source,
  v.obis_key AS obis, v.value, v.quality`;

/**
 * Reads records and feedback reports from PostgreSQL. Every read finds the data source by id in the
 * same statement, so one deleted on any instance reads as empty at once.
 */
export class PgRecordStore implements RecordStore {
  constructor(
    private readonly pool: PgPool,
    private readonly rollup: RollupReads,
  ) {}

  async latest(dataSourceId: string): Promise<AiidaRecord | undefined> {
    // Newest partition first, one backward index step into it: no scan, whatever the history.
    const result = await this.pool.query<RecordValueRow>({
      name: "record-latest",
      text: `SELECT ${RECORD_COLUMNS} FROM data_source d
             CROSS JOIN LATERAL (SELECT ts, received_at, ts_source, obis_keys, quantity_values, qualities
                                 FROM aiida_record WHERE data_source_key = d.key ORDER BY ts DESC LIMIT 1) r
             LEFT JOIN LATERAL unnest(r.obis_keys, r.quantity_values, r.qualities) AS v (obis_key, value, quality) ON true
             WHERE d.id = $1 ORDER BY v.obis_key`,
      values: [dataSourceId],
    });
    return assemble(dataSourceId, result.rows)[0];
  }

  async query(dataSourceId: string, q: RecordQuery): Promise<AiidaRecord[]> {
    const upper = Math.min(q.to ?? Number.MAX_SAFE_INTEGER, (q.before ?? Number.MAX_SAFE_INTEGER) - 1);
    const lower = q.from ?? Number.MIN_SAFE_INTEGER;
    const obis = q.obis ? q.obis.map((code) => obisByCode(code)?.key ?? -1) : null;
    // In a read snapshot for its JIT off: a page's value lookups are costed per partition (~120,000 for
    // 1,000 records) and compiling them took longer than reading them.
    const result = await this.inSnapshot((client) =>
      client.query<RecordValueRow>({
        name: "record-query",
        // The page in a LATERAL subquery: newest partition first, a backward index walk that stops after
        // `limit` records. A plain join let the planner hash-join every record of the source and sort them.
        text: `WITH page AS (
               SELECT r.* FROM data_source d
               CROSS JOIN LATERAL (
                 SELECT ts, received_at, ts_source, obis_keys, quantity_values, qualities FROM aiida_record r
                 WHERE r.data_source_key = d.key AND r.ts >= $2 AND r.ts <= $3
                   AND ($5::smallint[] IS NULL OR r.obis_keys && $5)
                 ORDER BY r.ts DESC LIMIT $4) r
               WHERE d.id = $1)
             SELECT ${RECORD_COLUMNS} FROM page r
             LEFT JOIN LATERAL (SELECT * FROM unnest(r.obis_keys, r.quantity_values, r.qualities) AS u (obis_key, value, quality)
                                WHERE $5::smallint[] IS NULL OR u.obis_key = ANY($5)) v ON true
             ORDER BY r.ts DESC, v.obis_key`,
        values: [dataSourceId, pgInstant(lower), pgInstant(upper), Math.max(0, q.limit), obis],
      }),
    );
    return assemble(dataSourceId, result.rows);
  }

  async series(
    dataSourceId: string,
    from: number,
    to: number,
    bucketMs: number,
    obis: readonly string[] | undefined,
  ): Promise<Map<string, SeriesPoint[]>> {
    const wanted = obis?.map((code) => obisByCode(code)?.key ?? -1);
    return this.inSnapshot(async (client) => {
      const key = await keyOf(client, dataSourceId);
      if (key === undefined) return new Map();
      return seriesOf(client, key, from, to, bucketMs, wanted);
    });
  }

  async feedback(dataSourceId: string, limit: number): Promise<FeedbackReport[]> {
    const result = await this.pool.query<{ report: string }>({
      name: "record-feedback",
      text: `SELECT f.report FROM data_source d JOIN feedback_report f ON f.data_source_key = d.key
             WHERE d.id = $1 ORDER BY f.id DESC LIMIT $2`,
      values: [dataSourceId, Math.max(0, limit)],
    });
    return result.rows.map((r) => JSON.parse(r.report) as FeedbackReport);
  }

  quantitiesIn(dataSourceId: string, from: number, to: number): Promise<string[]> {
    return this.rollup.quantitiesIn(dataSourceId, from, to);
  }

  energy(dataSourceId: string, edges: readonly number[], maxGapMs: number): Promise<QuantityEnergy[]> {
    return this.rollup.energy(dataSourceId, edges, maxGapMs);
  }

  async exportPage(dataSourceId: string, q: ExportPageQuery): Promise<ExportPage> {
    const times = await this.pool.query<{ ts: number; key: number }>({
      name: "record-export-times",
      text: `SELECT ${msOf("r.ts")} AS ts, d.key FROM data_source d JOIN aiida_record r ON r.data_source_key = d.key
             WHERE d.id = $1 AND r.ts >= $2 AND r.ts < $3 ORDER BY r.ts LIMIT $4`,
      values: [dataSourceId, pgInstant(q.from), pgInstant(q.to), Math.max(0, q.limit)],
    });
    const width = q.columns.length;
    const timestamps = Float64Array.from(times.rows, (r) => r.ts);
    const values = new Float64Array(timestamps.length * width).fill(Number.NaN);
    const first = times.rows[0];
    const last = times.rows.at(-1);
    if (!first || !last || width === 0) return { timestamps, values };
    const columnOf = new Map<number, number>();
    q.columns.forEach((code, column) => {
      const k = obisByCode(code)?.key;
      if (k !== undefined) columnOf.set(k, column); // a code listed twice: its last column, as SQLite
    });
    // Arrays per row, one range scan between the page's first and last record: bounded by the page.
    const rows = await this.pool.query<[number, number, number]>({
      name: "record-export-values",
      text: `SELECT ${msOf("ts")}, obis_key, value FROM aiida_record_value
             WHERE data_source_key = $1 AND ts >= $2 AND ts <= $3 AND obis_key = ANY($4::smallint[]) ORDER BY ts`,
      values: [first.key, pgInstant(first.ts), pgInstant(last.ts), [...columnOf.keys()]],
      rowMode: "array",
    });
    let row = 0;
    for (const [ts, obisKey, value] of rows.rows) {
      // Both are ordered by ts; a value without its record (deleted in between) is passed over.
      while (row < timestamps.length && (timestamps[row] ?? 0) < ts) row++;
      if (timestamps[row] !== ts) continue;
      const column = columnOf.get(obisKey);
      if (column !== undefined) values[row * width + column] = value;
    }
    return { timestamps, values };
  }

  /** Runs reads in one snapshot, so what they read of the rollup and the raw values agrees. */
  private inSnapshot<T>(work: (client: PgClient) => Promise<T>): Promise<T> {
    return inReadSnapshot(this.pool, work);
  }
}

async function keyOf(client: PgClient, dataSourceId: string): Promise<number | undefined> {
  const result = await client.query<{ key: number }>({
    name: "record-source-key",
    text: "SELECT key FROM data_source WHERE id = $1",
    values: [dataSourceId],
  });
  return result.rows[0]?.key;
}

function toValue(obisKey: number, value: number, quality: number): AiidaRecordValue | undefined {
  const obis = obisByKey(obisKey);
  if (!obis) return undefined;
  return {
    obis,
    rawTag: quantityTypeByObis(obis.code)?.name ?? obis.name,
    value,
    quality: qualityName(quality),
  };
}

/** Rows ordered by record, then value, into records (a record's rows are consecutive). */
function assemble(dataSourceId: string, rows: readonly RecordValueRow[]): AiidaRecord[] {
  const records: AiidaRecord[] = [];
  let current: { timestamp: number; values: AiidaRecordValue[] } | undefined;
  for (const row of rows) {
    if (current?.timestamp !== row.ts) {
      current = { timestamp: row.ts, values: [] };
      records.push({
        dataSourceId,
        timestamp: row.ts,
        receivedAt: row.received_at,
        timestampSource: row.ts_source === 1 ? "device" : "receipt",
        values: current.values,
      });
    }
    if (row.obis === null || row.value === null) continue;
    const value = toValue(row.obis, row.value, row.quality ?? 0);
    if (value) current.values.push(value);
  }
  return records;
}
