import type Database from "better-sqlite3";
import type { HourlyRollup } from "./rollup.ts";
import type { WireOutcome } from "./wire-outcome.ts";
import { inWriteTransaction } from "./write-transaction.ts";

/** Reports kept per data source; older ones are trimmed when new ones arrive. */
const FEEDBACK_KEPT = 50;

/** Writes batches of ingest outcomes, and deletes old records; runs on the writer thread's connection. */
export class RecordBatchWriter {
  private readonly insertRecord;
  private readonly upsertValue;
  private readonly insertValueIfNew;
  private readonly updateValue;
  private readonly insertFeedback;
  private readonly trimFeedback;
  private readonly addCounters;
  private readonly sourceExists;
  /**
   * The retention job's statements, prepared once: a pass runs them for every data source, and a
   * statement prepared per call holds its native memory until V8 collects it (tens of MiB at 10,000 sources).
   */
  private readonly purge;

  constructor(
    private readonly db: Database.Database,
    private readonly rollup: HourlyRollup,
  ) {
    // A redelivered QoS 1 message has the same (source, time): keep the first receipt time. `changes`
    // tells a new record (1) from one merged into a stored record (0).
    this.insertRecord = db.prepare(
      "INSERT INTO aiida_record (data_source_key, ts, received_delta, ts_source) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
    );
    // The same quantity at the same instant twice is one measurement: the newest message wins.
    this.upsertValue = db.prepare(
      `INSERT INTO aiida_record_value (data_source_key, ts, obis_key, value, quality) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (data_source_key, ts, obis_key) DO UPDATE SET value = excluded.value, quality = excluded.quality`,
    );
    // For a message merged into a stored record: which of its values are new, so counters count what is stored.
    this.insertValueIfNew = db.prepare(
      "INSERT INTO aiida_record_value (data_source_key, ts, obis_key, value, quality) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    );
    this.updateValue = db.prepare(
      "UPDATE aiida_record_value SET value = ?, quality = ? WHERE data_source_key = ? AND ts = ? AND obis_key = ?",
    );
    this.insertFeedback = db.prepare("INSERT INTO feedback_report (data_source_key, report) VALUES (?, ?)");
    this.trimFeedback = db.prepare(
      `DELETE FROM feedback_report WHERE data_source_key = ? AND id <= (
         SELECT id FROM feedback_report WHERE data_source_key = ? ORDER BY id DESC LIMIT 1 OFFSET ${FEEDBACK_KEPT})`,
    );
    // Counters add up; the last message time only moves forward (0 = this batch had no accepted message).
    this.addCounters = db.prepare(
      `UPDATE data_source SET messages_accepted = messages_accepted + ?, messages_rejected = messages_rejected + ?,
         values_accepted = values_accepted + ?, values_rejected = values_rejected + ?,
         last_message_at = nullif(max(coalesce(last_message_at, 0), ?), 0) WHERE key = ?`,
    );
    this.sourceExists = db.prepare("SELECT 1 AS x FROM data_source WHERE key = ?");
    this.purge = {
      nextDeletedSource: db.prepare("SELECT key FROM deleted_data_source LIMIT 1"),
      nthRecord: db.prepare(
        "SELECT ts FROM aiida_record WHERE data_source_key = ? ORDER BY ts LIMIT 1 OFFSET ?",
      ),
      nthRecordBefore: db.prepare(
        "SELECT ts FROM aiida_record WHERE data_source_key = ? AND ts < ? ORDER BY ts LIMIT 1 OFFSET ?",
      ),
      valuesThrough: db.prepare("DELETE FROM aiida_record_value WHERE data_source_key = ? AND ts <= ?"),
      recordsThrough: db.prepare("DELETE FROM aiida_record WHERE data_source_key = ? AND ts <= ?"),
      forgetDeletedSource: db.prepare("DELETE FROM deleted_data_source WHERE key = ?"),
      // Plain numbers, not a row object each: a pass over 10,000 data sources allocates one small array.
      dataSourceKeys: db.prepare("SELECT key FROM data_source").pluck(),
    };
  }

  /** Writes one batch in one transaction; outcomes of data sources deleted meanwhile are skipped. */
  write(outcomes: readonly WireOutcome[]): void {
    inWriteTransaction(this.db, () => {
      const counters = new Map<number, [number, number, number, number, number]>();
      const feedbackKeys = new Set<number>();
      const gone = new Set<number>();
      for (const o of outcomes) {
        if (gone.has(o.key)) continue;
        let c = counters.get(o.key);
        if (!c) {
          // Checked inside the write transaction, so a concurrent delete is either fully before or after.
          if (!this.sourceExists.get(o.key)) {
            gone.add(o.key);
            continue;
          }
          c = [0, 0, 0, 0, 0];
          counters.set(o.key, c);
        }
        if (o.record) {
          const [ts, receivedAt, tsSource, values] = o.record;
          if (this.insertRecord.run(o.key, ts, receivedAt - ts, tsSource).changes === 1) {
            for (let i = 0; i < values.length; i += 3) {
              this.upsertValue.run(o.key, ts, values[i], values[i + 1], values[i + 2]);
            }
            c[0] += 1;
            c[2] += values.length / 3;
          } else {
            if (tsSource === 0) throw receiptTimeTaken(ts);
            c[2] += this.merge(o.key, ts, values);
          }
          this.rollup.noteWrite(o.key, ts);
          c[4] = Math.max(c[4], receivedAt);
        } else {
          c[1] += 1;
        }
        c[3] += o.valuesRejected;
        if (o.feedback) {
          this.insertFeedback.run(o.key, o.feedback);
          feedbackKeys.add(o.key);
        }
      }
      for (const [key, c] of counters) this.addCounters.run(c[0], c[1], c[2], c[3], c[4], key);
      for (const key of feedbackKeys) this.trimFeedback.run(key, key);
    });
  }

  /** Writes a message's values into the stored record at its time (later wins); returns how many are new. */
  private merge(key: number, ts: number, values: readonly number[]): number {
    let added = 0;
    for (let i = 0; i < values.length; i += 3) {
      if (this.insertValueIfNew.run(key, ts, values[i], values[i + 1], values[i + 2]).changes === 1) added++;
      else this.updateValue.run(values[i + 1], values[i + 2], key, ts, values[i]);
    }
    return added;
  }

  /**
   * Deletes up to about `batch` rows: first the records of deleted data sources, then records older
   * than `before`. Returns how many went (0 when there is nothing left to do).
   */
  deleteOlderThan(before: number, batch: number): number {
    return inWriteTransaction(this.db, () => this.purgeDeletedSource(batch) ?? this.deleteOld(before, batch));
  }

  private purgeDeletedSource(batch: number): number | undefined {
    const gone = this.purge.nextDeletedSource.get() as { key: number } | undefined;
    if (!gone) return undefined;
    const cut = this.purge.nthRecord.get(gone.key, batch - 1) as { ts: number } | undefined;
    const upto = cut?.ts ?? Number.MAX_SAFE_INTEGER;
    this.purge.valuesThrough.run(gone.key, upto);
    const n = this.purge.recordsThrough.run(gone.key, upto);
    if (cut) return n.changes;
    this.purge.forgetDeletedSource.run(gone.key);
    this.rollup.drop(gone.key);
    return n.changes + 1;
  }

  private deleteOld(before: number, batch: number): number {
    let deleted = 0;
    // Per data source, so each step is a range at the start of that source's primary key.
    for (const key of this.purge.dataSourceKeys.all() as number[]) {
      const cut = this.purge.nthRecordBefore.get(key, before, batch - deleted - 1) as
        | { ts: number }
        | undefined;
      const upto = cut ? cut.ts : before - 1;
      this.purge.valuesThrough.run(key, upto);
      const records = this.purge.recordsThrough.run(key, upto).changes;
      if (records > 0) this.rollup.forgetThrough(key, upto);
      deleted += records;
      if (deleted >= batch) break;
    }
    return deleted;
  }
}

/**
 * A hub-stamped time is unique among this run's stamps, but a record stored before a restart (or a
 * device's own timestamp) may hold it: merging would swallow a distinct message, so it is refused and
 * the device sends it again under a later stamp.
 */
function receiptTimeTaken(ts: number): Error {
  return Object.assign(
    new Error(
      `a record at the receipt time ${new Date(ts).toISOString()} is already stored; send the message again`,
    ),
    { code: "AIIDA_RECEIPT_TIME_TAKEN" },
  );
}
