import type { WireOutcome } from "../sqlite/wire-outcome.ts";
import { receiptTimeTaken } from "./record-write-failure.ts";

/** The outcomes of one batch that carry a record at the same (data source, time): one stored record. */
export interface RecordGroup {
  /** `key:ts`, as the statements' RETURNING rows are matched back. */
  readonly id: string;
  readonly key: number;
  readonly ts: number;
  /** The first message's receipt and time source: a redelivery keeps the first receipt. */
  readonly receivedAt: number;
  readonly tsSource: 0 | 1;
  /** The flattened values (obisKey, value, quality, …) of each message, in batch order. */
  readonly messages: (readonly number[])[];
}

/** What one data source's counters gain from a batch, before the value counts that depend on the database. */
export interface CounterGain {
  readonly key: number;
  messagesAccepted: number;
  messagesRejected: number;
  valuesAccepted: number;
  valuesRejected: number;
  /** Latest receipt of a message with a record; 0: none in this batch. */
  lastMessageAt: number;
}

/** A batch laid out for set-based statements, with the counting rules of SQLite's row-by-row writer. */
export class RecordBatchPlan {
  /** Sorted by (key, ts): every batch locks rows in the same order, so concurrent batches do not deadlock. */
  readonly groups: RecordGroup[];
  /** Sorted by key, one per data source of the batch. */
  readonly gains: CounterGain[];
  readonly feedbackKeys: number[] = [];
  readonly feedbackReports: string[] = [];

  /** `outcomes` are those of data sources that exist; a repeated hub-stamped time throws (as SQLite). */
  constructor(outcomes: readonly WireOutcome[]) {
    const groups = new Map<
      string,
      { key: number; ts: number; receivedAt: number; tsSource: 0 | 1; messages: number[][] }
    >();
    const gains = new Map<number, CounterGain>();
    for (const o of outcomes) {
      let gain = gains.get(o.key);
      if (!gain) {
        gain = {
          key: o.key,
          messagesAccepted: 0,
          messagesRejected: 0,
          valuesAccepted: 0,
          valuesRejected: 0,
          lastMessageAt: 0,
        };
        gains.set(o.key, gain);
      }
      if (o.record) {
        const [ts, receivedAt, tsSource, values] = o.record;
        const id = `${o.key}:${ts}`;
        const group = groups.get(id);
        if (group) {
          // A second message at a hub-stamped time is a distinct message, never a redelivery.
          if (tsSource === 0) throw receiptTimeTaken(ts);
          group.messages.push(values);
        } else {
          groups.set(id, { key: o.key, ts, receivedAt, tsSource, messages: [values] });
        }
        gain.lastMessageAt = Math.max(gain.lastMessageAt, receivedAt);
      } else {
        gain.messagesRejected += 1;
      }
      gain.valuesRejected += o.valuesRejected;
      if (o.feedback) {
        this.feedbackKeys.push(o.key);
        this.feedbackReports.push(o.feedback);
      }
    }
    this.groups = [...groups].map(([id, g]) => ({ id, ...g })).sort((a, b) => a.key - b.key || a.ts - b.ts);
    this.gains = [...gains.values()].sort((a, b) => a.key - b.key);
  }

  /**
   * Counts what the records statement stored: a new record counts as a message and all its first
   * message's values, later messages at its time only the quantities they add; a record stored
   * before counts only the values that were new to the database (`added`, per group id).
   */
  count(isNew: (group: RecordGroup) => boolean, added: ReadonlyMap<string, number>): void {
    const byKey = new Map(this.gains.map((g) => [g.key, g]));
    for (const group of this.groups) {
      const gain = byKey.get(group.key);
      if (!gain) continue;
      if (!isNew(group)) {
        gain.valuesAccepted += added.get(group.id) ?? 0;
        continue;
      }
      const [first, ...later] = group.messages;
      gain.messagesAccepted += 1;
      gain.valuesAccepted += (first?.length ?? 0) / 3;
      const seen = new Set<number>();
      for (let i = 0; i < (first?.length ?? 0); i += 3) seen.add(first?.[i] ?? -1);
      for (const values of later) {
        for (let i = 0; i < values.length; i += 3) {
          const obis = values[i] ?? -1;
          if (seen.has(obis)) continue;
          seen.add(obis);
          gain.valuesAccepted += 1;
        }
      }
    }
  }
}

/** Value rows as columns (times in epoch ms), as the statements' `unnest` takes them. */
export interface ValueColumns {
  readonly keys: number[];
  readonly times: number[];
  readonly obis: number[];
  readonly values: number[];
  readonly qualities: number[];
}

/**
 * Appends a record's values as stored: one per quantity in ascending order (every batch touches rows in
 * the same order), the batch's last message winning (as in SQLite).
 */
export function appendFinalValues(group: RecordGroup, columns: ValueColumns): void {
  const only = group.messages.length === 1 ? group.messages[0] : undefined;
  if (only && isAscending(only)) {
    // The usual message: one per record, its quantities distinct and in order already.
    for (let i = 0; i < only.length; i += 3) {
      pushValue(columns, group, only[i] ?? -1, only[i + 1] ?? Number.NaN, only[i + 2] ?? 0);
    }
    return;
  }
  const values = new Map<number, readonly [number, number]>();
  for (const message of group.messages) {
    for (let i = 0; i < message.length; i += 3) {
      values.set(message[i] ?? -1, [message[i + 1] ?? Number.NaN, message[i + 2] ?? 0]);
    }
  }
  for (const [obis, [value, quality]] of [...values].sort((a, b) => a[0] - b[0])) {
    pushValue(columns, group, obis, value, quality);
  }
}

/** Whether flattened values (obisKey, value, quality, …) name strictly ascending quantities. */
function isAscending(values: readonly number[]): boolean {
  for (let i = 3; i < values.length; i += 3) {
    if ((values[i] ?? -1) <= (values[i - 3] ?? -1)) return false;
  }
  return true;
}

function pushValue(
  columns: ValueColumns,
  group: RecordGroup,
  obis: number,
  value: number,
  quality: number,
): void {
  columns.keys.push(group.key);
  columns.times.push(group.ts);
  columns.obis.push(obis);
  columns.values.push(value);
  columns.qualities.push(quality);
}
