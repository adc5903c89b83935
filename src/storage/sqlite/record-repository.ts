import type Database from "better-sqlite3";
import type { AiidaRecord, AiidaRecordValue } from "../../domain/aiida-record.ts";
import { obisByCode, obisByKey } from "../../domain/obis-code.ts";
import { QUALITIES, quantityTypeByObis } from "../../domain/quantity-type.ts";
import type { FeedbackReport, IngestOutcome, RecordQuery, RecordStore, SeriesPoint } from "../ports.ts";
import type { DataSourceKeys } from "./data-source-keys.ts";

/** Reports kept per data source; older ones are trimmed when new ones arrive. */
const FEEDBACK_KEPT = 50;

const qualityIndex = new Map(QUALITIES.map((q, i) => [q.name, i]));

interface ValueRow {
  ts: number;
  obis_key: number;
  value: number;
  quality: number;
}

interface RecordRow {
  ts: number;
  received_at: number;
  ts_source: number;
}

function toValue(row: ValueRow): AiidaRecordValue | undefined {
  const obis = obisByKey(row.obis_key);
  if (!obis) return undefined;
  return {
    obis,
    rawTag: quantityTypeByObis(obis.code)?.name ?? obis.name,
    value: row.value,
    quality: QUALITIES[row.quality]?.name ?? "AS_PROVIDED",
  };
}

/** Records and feedback reports in SQLite: one row per message, one row per value. */
export class SqliteRecordStore implements RecordStore {
  private readonly insertRecord;
  private readonly upsertValue;
  private readonly insertFeedback;
  private readonly trimFeedback;
  private readonly addCounters;

  constructor(
    private readonly db: Database.Database,
    private readonly keys: DataSourceKeys,
  ) {
    // A redelivered QoS 1 message has the same (source, time): keep the first receipt time.
    this.insertRecord = db.prepare(
      "INSERT INTO aiida_record (data_source_key, ts, received_at, ts_source) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
    );
    // The same quantity at the same instant twice is one measurement: the newest message wins.
    this.upsertValue = db.prepare(
      `INSERT INTO aiida_record_value (data_source_key, ts, obis_key, value, quality) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (data_source_key, ts, obis_key) DO UPDATE SET value = excluded.value, quality = excluded.quality`,
    );
    this.insertFeedback = db.prepare("INSERT INTO feedback_report (data_source_key, report) VALUES (?, ?)");
    this.trimFeedback = db.prepare(
      `DELETE FROM feedback_report WHERE data_source_key = ? AND id <= (
         SELECT id FROM feedback_report WHERE data_source_key = ? ORDER BY id DESC LIMIT 1 OFFSET ${FEEDBACK_KEPT})`,
    );
    this.addCounters = db.prepare(
      `UPDATE data_source SET messages_accepted = messages_accepted + ?, messages_rejected = messages_rejected + ?,
         values_accepted = values_accepted + ?, values_rejected = values_rejected + ?,
         last_message_at = nullif(max(coalesce(last_message_at, 0), ?), 0) WHERE key = ?`,
    );
  }

  writeBatch(outcomes: readonly IngestOutcome[]): void {
    const counters = new Map<number, [number, number, number, number, number]>();
    const feedbackKeys = new Set<number>();
    this.db.transaction(() => {
      for (const outcome of outcomes) {
        const key = this.keys.get(outcome.dataSourceId);
        if (key === undefined) continue; // deleted while the message was in flight
        const c = counters.get(key) ?? [0, 0, 0, 0, 0];
        const record = outcome.record;
        if (record) {
          this.insertRecord.run(
            key,
            record.timestamp,
            record.receivedAt,
            record.timestampSource === "device" ? 1 : 0,
          );
          for (const v of record.values) {
            this.upsertValue.run(
              key,
              record.timestamp,
              v.obis.key,
              v.value,
              qualityIndex.get(v.quality) ?? 3,
            );
          }
          c[0] += 1;
          c[2] += record.values.length;
          c[4] = Math.max(c[4], record.receivedAt);
        } else {
          c[1] += 1;
        }
        c[3] += outcome.valuesRejected;
        counters.set(key, c);
        if (outcome.feedback) {
          this.insertFeedback.run(key, JSON.stringify(outcome.feedback));
          feedbackKeys.add(key);
        }
      }
      // c[4] is 0 when only rejected messages came: max() keeps the stored time (SQLite's max() is NULL if any argument is).
      for (const [key, c] of counters) this.addCounters.run(c[0], c[1], c[2], c[3], c[4], key);
      for (const key of feedbackKeys) this.trimFeedback.run(key, key);
    })();
  }

  latest(dataSourceId: string): AiidaRecord | undefined {
    const key = this.keys.get(dataSourceId);
    if (key === undefined) return undefined;
    const row = this.db
      .prepare(
        "SELECT ts, received_at, ts_source FROM aiida_record WHERE data_source_key = ? ORDER BY ts DESC LIMIT 1",
      )
      .get(key) as RecordRow | undefined;
    if (!row) return undefined;
    return this.assemble(dataSourceId, key, [row], undefined)[0];
  }

  query(dataSourceId: string, q: RecordQuery): AiidaRecord[] {
    const key = this.keys.get(dataSourceId);
    if (key === undefined) return [];
    const upper = Math.min(q.to ?? Number.MAX_SAFE_INTEGER, (q.before ?? Number.MAX_SAFE_INTEGER) - 1);
    const lower = q.from ?? Number.MIN_SAFE_INTEGER;
    const obisKeys = q.obis?.map((code) => obisByCode(code)?.key ?? -1);
    const rows = obisKeys
      ? (this.db
          .prepare(
            `SELECT r.ts, r.received_at, r.ts_source FROM aiida_record r WHERE r.data_source_key = ?
               AND r.ts BETWEEN ? AND ? AND EXISTS (SELECT 1 FROM aiida_record_value v
               WHERE v.data_source_key = r.data_source_key AND v.ts = r.ts
               AND v.obis_key IN (${obisKeys.map(() => "?").join(",")}))
             ORDER BY r.ts DESC LIMIT ?`,
          )
          .all(key, lower, upper, ...obisKeys, q.limit) as RecordRow[])
      : (this.db
          .prepare(
            `SELECT ts, received_at, ts_source FROM aiida_record WHERE data_source_key = ? AND ts BETWEEN ? AND ?
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
      receivedAt: r.received_at,
      timestampSource: r.ts_source === 1 ? "device" : "receipt",
      values: byTs.get(r.ts) ?? [],
    }));
  }

  series(
    dataSourceId: string,
    from: number,
    to: number,
    bucketMs: number,
    obis: readonly string[] | undefined,
  ): Map<string, SeriesPoint[]> {
    const result = new Map<string, SeriesPoint[]>();
    const key = this.keys.get(dataSourceId);
    if (key === undefined) return result;
    const wanted = obis ? new Set(obis.map((c) => obisByCode(c)?.key ?? -1)) : undefined;
    const rows = this.db
      .prepare(
        `SELECT obis_key, CAST((ts - ?) / ? AS INTEGER) AS bucket, min(value) AS min, avg(value) AS avg, max(value) AS max,
           count(*) AS count FROM aiida_record_value WHERE data_source_key = ? AND ts BETWEEN ? AND ?
         GROUP BY obis_key, bucket ORDER BY obis_key, bucket`,
      )
      .all(from, bucketMs, key, from, to) as {
      obis_key: number;
      bucket: number;
      min: number;
      avg: number;
      max: number;
      count: number;
    }[];
    // Parameters bind as REAL, so bucket numbers are cast to get integer division.
    // SQLite cannot pick "the value at the newest time" next to min/max in one GROUP BY, so ask separately.
    const lasts = this.db
      .prepare(
        `SELECT v.obis_key, v.value, CAST((v.ts - ?) / ? AS INTEGER) AS bucket FROM aiida_record_value v
         JOIN (SELECT obis_key, max(ts) AS ts FROM aiida_record_value WHERE data_source_key = ? AND ts BETWEEN ? AND ?
               GROUP BY obis_key, CAST((ts - ?) / ? AS INTEGER)) m ON m.obis_key = v.obis_key AND m.ts = v.ts
         WHERE v.data_source_key = ?`,
      )
      .all(from, bucketMs, key, from, to, from, bucketMs, key) as {
      obis_key: number;
      value: number;
      bucket: number;
    }[];
    const lastOf = new Map(lasts.map((l) => [`${l.obis_key}:${l.bucket}`, l.value]));
    for (const r of rows) {
      if (wanted && !wanted.has(r.obis_key)) continue;
      const code = obisByKey(r.obis_key)?.code;
      if (!code) continue;
      const points = result.get(code) ?? [];
      points.push({
        t: from + r.bucket * bucketMs,
        min: r.min,
        avg: r.avg,
        max: r.max,
        last: lastOf.get(`${r.obis_key}:${r.bucket}`) ?? r.avg,
        count: r.count,
      });
      result.set(code, points);
    }
    return result;
  }

  feedback(dataSourceId: string, limit: number): FeedbackReport[] {
    const key = this.keys.get(dataSourceId);
    if (key === undefined) return [];
    const rows = this.db
      .prepare("SELECT report FROM feedback_report WHERE data_source_key = ? ORDER BY id DESC LIMIT ?")
      .all(key, limit) as { report: string }[];
    return rows.map((r) => JSON.parse(r.report) as FeedbackReport);
  }

  deleteOlderThan(before: number, batch: number): number {
    return this.db.transaction(() => {
      // Records of deleted data sources go first, whatever their age.
      const gone = this.db.prepare("SELECT key FROM deleted_data_source LIMIT 1").get() as
        | { key: number }
        | undefined;
      if (gone) {
        const cut = this.db
          .prepare(`SELECT ts FROM aiida_record WHERE data_source_key = ? ORDER BY ts LIMIT 1 OFFSET ?`)
          .get(gone.key, batch - 1) as { ts: number } | undefined;
        const upto = cut?.ts ?? Number.MAX_SAFE_INTEGER;
        this.db
          .prepare("DELETE FROM aiida_record_value WHERE data_source_key = ? AND ts <= ?")
          .run(gone.key, upto);
        const n = this.db
          .prepare("DELETE FROM aiida_record WHERE data_source_key = ? AND ts <= ?")
          .run(gone.key, upto);
        if (!cut) this.db.prepare("DELETE FROM deleted_data_source WHERE key = ?").run(gone.key);
        return n.changes + (cut ? 0 : 1);
      }
      const old = this.db
        .prepare("SELECT data_source_key AS key, ts FROM aiida_record WHERE ts < ? LIMIT ?")
        .all(before, batch) as { key: number; ts: number }[];
      const delValues = this.db.prepare(
        "DELETE FROM aiida_record_value WHERE data_source_key = ? AND ts = ?",
      );
      const delRecord = this.db.prepare("DELETE FROM aiida_record WHERE data_source_key = ? AND ts = ?");
      for (const r of old) {
        delValues.run(r.key, r.ts);
        delRecord.run(r.key, r.ts);
      }
      return old.length;
    })();
  }
}
