import type Database from "better-sqlite3";
import type { AiidaRecord, AiidaRecordValue } from "../../domain/aiida-record.ts";
import type { QuantityEnergy } from "../../domain/energy-flow.ts";
import { obisByCode, obisByKey } from "../../domain/obis-code.ts";
import { quantityTypeByObis } from "../../domain/quantity-type.ts";
import type { ExportPage, ExportPageQuery, FeedbackReport, RecordQuery, SeriesPoint } from "../ports.ts";
import { EnergyQuery } from "./energy-query.ts";
import { ExportQuery } from "./export-query.ts";
import { SeriesQuery } from "./series-query.ts";
import { qualityName } from "./stored-quality.ts";

interface ValueRow {
  ts: number;
  obis_key: number;
  value: number;
  quality: number;
}

interface RecordRow {
  ts: number;
  received_delta: number;
  ts_source: number;
}

function toValue(row: ValueRow): AiidaRecordValue | undefined {
  const obis = obisByKey(row.obis_key);
  if (!obis) return undefined;
  return {
    obis,
    rawTag: quantityTypeByObis(obis.code)?.name ?? obis.name,
    value: row.value,
    quality: qualityName(row.quality),
  };
}

/**
 * Reads records and feedback reports from SQLite by data source key; the writer thread writes them.
 * Runs on the reader thread, which keeps no key map: the main thread resolves each id to its key.
 */
export class SqliteRecordReader {
  private readonly seriesQuery: SeriesQuery;
  private readonly exportQuery: ExportQuery;
  /** In one read transaction: the watermark, dirty hours, rollup rows and raw values of one snapshot. */
  private readonly energyInSnapshot: (
    key: number,
    edges: readonly number[],
    maxGapMs: number,
  ) => QuantityEnergy[];

  constructor(private readonly db: Database.Database) {
    this.seriesQuery = new SeriesQuery(db);
    this.exportQuery = new ExportQuery(db);
    const energyQuery = new EnergyQuery(db);
    this.energyInSnapshot = db.transaction((key: number, edges: readonly number[], maxGapMs: number) =>
      energyQuery.run(key, edges, maxGapMs),
    );
  }

  latest(dataSourceId: string, key: number): AiidaRecord | undefined {
    const row = this.db
      .prepare(
        "SELECT ts, received_delta, ts_source FROM aiida_record WHERE data_source_key = ? ORDER BY ts DESC LIMIT 1",
      )
      .get(key) as RecordRow | undefined;
    if (!row) return undefined;
    return this.assemble(dataSourceId, key, [row], undefined)[0];
  }

  query(dataSourceId: string, key: number, q: RecordQuery): AiidaRecord[] {
    const upper = Math.min(q.to ?? Number.MAX_SAFE_INTEGER, (q.before ?? Number.MAX_SAFE_INTEGER) - 1);
    const lower = q.from ?? Number.MIN_SAFE_INTEGER;
    const obisKeys = q.obis?.map((code) => obisByCode(code)?.key ?? -1);
    const rows = obisKeys
      ? (this.db
          .prepare(
            `SELECT r.ts, r.received_delta, r.ts_source FROM aiida_record r WHERE r.data_source_key = ?
               AND r.ts BETWEEN ? AND ? AND EXISTS (SELECT 1 FROM aiida_record_value v
               WHERE v.data_source_key = r.data_source_key AND v.ts = r.ts
               AND v.obis_key IN (${obisKeys.map(() => "?").join(",")}))
             ORDER BY r.ts DESC LIMIT ?`,
          )
          .all(key, lower, upper, ...obisKeys, q.limit) as RecordRow[])
      : (this.db
          .prepare(
            `SELECT ts, received_delta, ts_source FROM aiida_record WHERE data_source_key = ? AND ts BETWEEN ? AND ?
             ORDER BY ts DESC LIMIT ?`,
          )
          .all(key, lower, upper, q.limit) as RecordRow[]);
    return this.assemble(dataSourceId, key, rows, obisKeys ? new Set(obisKeys) : undefined);
  }

  private assemble(
    dataSourceId: string,
    key: number,
    rows: RecordRow[],
    onlyObis: Set<number> | undefined,
  ): AiidaRecord[] {
    const first = rows.at(-1);
    const last = rows[0];
    if (!first || !last) return [];
    const values = this.db
      .prepare(
        `SELECT ts, obis_key, value, quality FROM aiida_record_value
         WHERE data_source_key = ? AND ts BETWEEN ? AND ? ORDER BY ts, obis_key`,
      )
      .all(key, first.ts, last.ts) as ValueRow[];
    const byTs = new Map<number, AiidaRecordValue[]>();
    for (const v of values) {
      if (onlyObis && !onlyObis.has(v.obis_key)) continue;
      const value = toValue(v);
      if (!value) continue;
      const list = byTs.get(v.ts);
      if (list) list.push(value);
      else byTs.set(v.ts, [value]);
    }
    return rows.map((r) => ({
      dataSourceId,
      timestamp: r.ts,
      receivedAt: r.ts + r.received_delta,
      timestampSource: r.ts_source === 1 ? "device" : "receipt",
      values: byTs.get(r.ts) ?? [],
    }));
  }

  series(
    key: number,
    from: number,
    to: number,
    bucketMs: number,
    obis: readonly string[] | undefined,
  ): Map<string, SeriesPoint[]> {
    const wanted = obis ? new Set(obis.map((c) => obisByCode(c)?.key ?? -1)) : undefined;
    return this.seriesQuery.run(key, from, to, bucketMs, wanted);
  }

  quantitiesIn(key: number, from: number, to: number): string[] {
    return this.exportQuery.quantitiesIn(key, from, to);
  }

  exportPage(key: number, query: ExportPageQuery): ExportPage {
    return this.exportQuery.page(key, query);
  }

  energy(key: number, edges: readonly number[], maxGapMs: number): QuantityEnergy[] {
    return this.energyInSnapshot(key, edges, maxGapMs);
  }

  feedback(key: number, limit: number): FeedbackReport[] {
    const rows = this.db
      .prepare("SELECT report FROM feedback_report WHERE data_source_key = ? ORDER BY id DESC LIMIT ?")
      .all(key, limit) as { report: string }[];
    return rows.map((r) => JSON.parse(r.report) as FeedbackReport);
  }
}
