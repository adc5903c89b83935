import { HOUR_MS } from "../sqlite/hour-summary.ts";
import type { WireOutcome } from "../sqlite/wire-outcome.ts";
import { float8Array, int2Array, int4Array, int8Array, timestamptzArray } from "./pg-binary-arrays.ts";
import { msOf } from "./pg-instant.ts";
import type { PgClient, QueryConfig } from "./pg-pool.ts";
import {
  appendFinalValues,
  type RecordBatchPlan as Plan,
  RecordBatchPlan,
  type RecordGroup,
  type ValueColumns,
} from "./record-batch-plan.ts";
import { receiptTimeTaken } from "./record-write-failure.ts";
import { shareRecordWriteLocks } from "./rollup-locks.ts";

/** Reports kept per data source; older ones are trimmed when new ones arrive (as in SQLite). */
const FEEDBACK_KEPT = 50;

/**
 * Writes one batch inside the caller's transaction with a fixed number of set-based statements,
 * whatever its size. Named statements: each connection plans them once.
 */
export async function storeBatch(client: PgClient, outcomes: readonly WireOutcome[]): Promise<void> {
  const keys = [...new Set(outcomes.map((o) => o.key))];
  const existing = await lockExistingSources(client, keys);
  // A rollup step of one of these sources waits for this commit, or has moved its watermark before we read it.
  await shareRecordWriteLocks(client, keys);
  const plan = new RecordBatchPlan(outcomes.filter((o) => existing.has(o.key)));
  if (plan.gains.length === 0) return; // every source was deleted meanwhile: nothing to store
  const fresh = plan.groups.length > 0 ? await insertRecords(client, plan.groups) : new Set<string>();
  for (const group of plan.groups) {
    if (!fresh.has(group.id) && group.tsSource === 0) throw receiptTimeTaken(group.ts);
  }
  const added = await mergeValues(
    client,
    plan.groups.filter((g) => !fresh.has(g.id)),
  );
  plan.count((group) => fresh.has(group.id), added);
  await addFeedback(client, plan);
  await markLateHoursDirty(client, plan.groups);
  // Last: concurrent batches of the same sources queue on these rows until the commit, so they hold
  // them for as short a time as can be (and do all their other work while an earlier one commits).
  await addCounters(client, plan);
}

/**
 * The data sources among `keys` that exist, locked against deletion until the commit (FOR KEY SHARE
 * does not stop renames): a concurrent delete is then wholly before or after this batch.
 */
async function lockExistingSources(client: PgClient, keys: number[]): Promise<Set<number>> {
  const result = await client.query<{ key: number }>(lockSourcesStatement(keys));
  return new Set(result.rows.map((r) => r.key));
}

export function lockSourcesStatement(keys: readonly number[]): QueryConfig {
  return {
    name: "record-batch-lock-sources",
    text: "SELECT key FROM data_source WHERE key = ANY($1::int[]) ORDER BY key FOR KEY SHARE",
    values: [keys],
  };
}

/** Inserts the records that are new, each with its values; a redelivery (same source and time) keeps the first receipt. */
async function insertRecords(client: PgClient, groups: readonly RecordGroup[]): Promise<Set<string>> {
  return freshRecords((await client.query<{ key: number; ts: number }>(insertRecordsStatement(groups))).rows);
}

/** The `key:ts` ids of the records the insert stored (a redelivery's is not among them). */
export function freshRecords(rows: readonly { key: number; ts: number }[]): Set<string> {
  return new Set(rows.map((r) => `${r.key}:${r.ts}`));
}

/**
 * Records as columns, their values flattened into three more: record i's values are the 1-based
 * elements lo[i]..hi[i], which the statements slice into the record's arrays.
 */
function recordColumns(groups: readonly RecordGroup[]): Buffer[] {
  const values: ValueColumns = { keys: [], times: [], obis: [], values: [], qualities: [] };
  const lo: number[] = [];
  const hi: number[] = [];
  for (const group of groups) {
    lo.push(values.obis.length + 1);
    appendFinalValues(group, values);
    hi.push(values.obis.length);
  }
  return [
    int4Array(groups.map((g) => g.key)),
    timestamptzArray(groups.map((g) => g.ts)),
    timestamptzArray(groups.map((g) => g.receivedAt)),
    int2Array(groups.map((g) => g.tsSource)),
    int4Array(lo),
    int4Array(hi),
    int2Array(values.obis),
    float8Array(values.values),
    int2Array(values.qualities),
  ];
}

/** Slices record r's values (columns $7–$9) out of the flattened parameters. */
const RECORD_VALUE_ARRAYS =
  "($7::smallint[])[r.lo:r.hi], ($8::float8[])[r.lo:r.hi], ($9::smallint[])[r.lo:r.hi]";
const UNNEST_RECORDS =
  "unnest($1::int[], $2::timestamptz[], $3::timestamptz[], $4::smallint[], $5::int[], $6::int[]) AS r(key, ts, received_at, ts_source, lo, hi)";

export function insertRecordsStatement(groups: readonly RecordGroup[]): QueryConfig {
  return {
    name: "record-batch-insert-records",
    text: `INSERT INTO aiida_record (ts, received_at, data_source_key, ts_source, obis_keys, quantity_values, qualities)
           SELECT r.ts, r.received_at, r.key, r.ts_source, ${RECORD_VALUE_ARRAYS} FROM ${UNNEST_RECORDS}
           ON CONFLICT DO NOTHING RETURNING data_source_key AS key, ${msOf("ts")} AS ts`,
    values: recordColumns(groups),
  };
}

/** A stored record's values, as flattened triples (obisKey, value, quality) in ascending quantity order. */
interface StoredValues {
  readonly key: number;
  readonly ts: number;
  readonly obis: number[];
  readonly numbers: number[];
  readonly qualities: number[];
}

/**
 * Values of messages merged into records stored before: the batch's values win, quantities the record
 * did not have are added (and counted per record, so counters count what is stored). The records are
 * locked while merged: a concurrent batch with the same record waits for this one's commit.
 */
async function mergeValues(client: PgClient, groups: readonly RecordGroup[]): Promise<Map<string, number>> {
  const added = new Map<string, number>();
  if (groups.length === 0) return added;
  const stored = await client.query<StoredValues>({
    name: "record-batch-lock-merged",
    text: `SELECT a.data_source_key AS key, ${msOf("a.ts")} AS ts, a.obis_keys AS obis, a.quantity_values AS numbers,
                  a.qualities FROM aiida_record a
             JOIN unnest($1::int[], $2::timestamptz[]) AS r(key, ts) ON a.data_source_key = r.key AND a.ts = r.ts
            ORDER BY a.data_source_key, a.ts FOR UPDATE OF a`,
    values: [int4Array(groups.map((g) => g.key)), timestamptzArray(groups.map((g) => g.ts))],
  });
  const byId = new Map(stored.rows.map((row) => [`${row.key}:${row.ts}`, row]));
  const merged: RecordGroup[] = [];
  for (const group of groups) {
    const row = byId.get(group.id);
    if (!row) continue; // deleted by retention meanwhile: nothing to merge into
    const before: number[] = [];
    for (const [i, obis] of row.obis.entries())
      before.push(obis, row.numbers[i] ?? Number.NaN, row.qualities[i] ?? 0);
    const known = new Set(row.obis);
    const adds = new Set<number>();
    for (const message of group.messages) {
      for (let i = 0; i < message.length; i += 3) {
        const obis = message[i] ?? -1;
        if (!known.has(obis)) adds.add(obis);
      }
    }
    added.set(group.id, adds.size);
    // Stored values first, the batch's messages after: appendFinalValues lets the last one win.
    merged.push({ ...group, messages: [before, ...group.messages] });
  }
  if (merged.length === 0) return added;
  await client.query({
    name: "record-batch-merge-values",
    text: `UPDATE aiida_record a SET obis_keys = ($7::smallint[])[r.lo:r.hi], quantity_values = ($8::float8[])[r.lo:r.hi],
             qualities = ($9::smallint[])[r.lo:r.hi] FROM ${UNNEST_RECORDS} WHERE a.data_source_key = r.key AND a.ts = r.ts`,
    values: recordColumns(merged),
  });
  return added;
}

/** Counters add up; the last message time only moves forward (NULL: this batch had no record). */
async function addCounters(client: PgClient, plan: Plan): Promise<void> {
  await client.query(addCountersStatement(plan));
}

export function addCountersStatement(plan: Plan): QueryConfig {
  const g = plan.gains;
  return {
    name: "record-batch-add-counters",
    text: `INSERT INTO ingest_counter AS c (data_source_key, messages_accepted, messages_rejected, values_accepted,
             values_rejected, last_message_at)
           SELECT * FROM unnest($1::int[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], $6::timestamptz[])
           ON CONFLICT (data_source_key) DO UPDATE SET
             messages_accepted = c.messages_accepted + excluded.messages_accepted,
             messages_rejected = c.messages_rejected + excluded.messages_rejected,
             values_accepted = c.values_accepted + excluded.values_accepted,
             values_rejected = c.values_rejected + excluded.values_rejected,
             last_message_at = greatest(c.last_message_at, excluded.last_message_at)`,
    values: [
      int4Array(g.map((x) => x.key)),
      int8Array(g.map((x) => x.messagesAccepted)),
      int8Array(g.map((x) => x.messagesRejected)),
      int8Array(g.map((x) => x.valuesAccepted)),
      int8Array(g.map((x) => x.valuesRejected)),
      timestamptzArray(g.map((x) => (x.lastMessageAt === 0 ? null : x.lastMessageAt))),
    ],
  };
}

/** Appends the batch's reports in order, then trims each of their sources to the newest FEEDBACK_KEPT. */
async function addFeedback(client: PgClient, plan: Plan): Promise<void> {
  for (const statement of feedbackStatements(plan)) await client.query(statement);
}

/** Appends the reports, then trims; none when the batch has no reports. */
export function feedbackStatements(plan: Plan): QueryConfig[] {
  if (plan.feedbackKeys.length === 0) return [];
  const append: QueryConfig = {
    name: "record-batch-insert-feedback",
    text: `INSERT INTO feedback_report (data_source_key, report)
           SELECT key, report FROM unnest($1::int[], $2::text[]) WITH ORDINALITY AS u(key, report, n) ORDER BY n`,
    values: [plan.feedbackKeys, plan.feedbackReports],
  };
  const trim: QueryConfig = {
    name: "record-batch-trim-feedback",
    text: `DELETE FROM feedback_report f USING (
             SELECT key, (SELECT id FROM feedback_report WHERE data_source_key = key
                          ORDER BY id DESC OFFSET ${FEEDBACK_KEPT} LIMIT 1) AS cut
             FROM unnest($1::int[]) AS key) c
           WHERE f.data_source_key = c.key AND f.id <= c.cut`,
    values: [[...new Set(plan.feedbackKeys)].sort((a, b) => a - b)],
  };
  return [append, trim];
}

/**
 * Late data: a record below its source's rollup watermark makes its hour dirty, so the rollup job
 * recomputes it (SQLite's HourlyRollup.noteWrite). The watermark rows are read FOR SHARE: a rollup
 * step that moves a watermark (UPDATE, before it reads the values) waits for this batch's commit, or
 * this batch waits for it and then sees the new watermark; either way no value is missed.
 */
async function markLateHoursDirty(client: PgClient, groups: readonly RecordGroup[]): Promise<void> {
  if (groups.length === 0) return;
  await client.query(markLateHoursDirtyStatement(groups));
}

export function markLateHoursDirtyStatement(groups: readonly RecordGroup[]): QueryConfig {
  const earliest = new Map<string, { key: number; hour: number; ts: number }>();
  for (const g of groups) {
    const hour = Math.floor(g.ts / HOUR_MS) * HOUR_MS;
    const id = `${g.key}:${hour}`;
    const seen = earliest.get(id);
    if (!seen || g.ts < seen.ts) earliest.set(id, { key: g.key, hour, ts: g.ts });
  }
  const rows = [...earliest.values()];
  return {
    name: "record-batch-mark-dirty",
    text: `WITH state AS (
             SELECT data_source_key, rolled_up_to FROM aiida_rollup_state
             WHERE data_source_key = ANY($1::int[]) ORDER BY data_source_key FOR SHARE)
           INSERT INTO aiida_rollup_dirty (data_source_key, hour)
           SELECT u.key, u.hour FROM unnest($1::int[], $2::timestamptz[], $3::timestamptz[]) AS u(key, hour, ts)
           JOIN state s ON s.data_source_key = u.key WHERE u.ts < s.rolled_up_to
           ON CONFLICT DO NOTHING`,
    values: [
      int4Array(rows.map((r) => r.key)),
      timestamptzArray(rows.map((r) => r.hour)),
      timestamptzArray(rows.map((r) => r.ts)),
    ],
  };
}
