import type { AiidaRecord, AiidaRecordValue } from "../../domain/aiida-record.ts";
import { wantsDataTag } from "../../domain/data-need.ts";
import type { OutboundRecord } from "../../domain/outbound-record.ts";
import { aggregateInterval } from "../aggregate.ts";

/** Records kept before they are folded together: a fast device and a slow schedule must not fill memory. */
const COMPACT_AT = 1000;

/**
 * The records of one permission's data source since the last firing of its schedule. Past COMPACT_AT
 * records it keeps only what aggregateInterval would use (per OBIS code the newest value, with its
 * record's timestamp), so the interval's record comes out the same.
 */
export class RecordBuffer {
  private records: AiidaRecord[] = [];

  constructor(private readonly dataTags: readonly string[]) {}

  get size(): number {
    return this.records.length;
  }

  add(record: AiidaRecord): void {
    this.records.push(record);
    if (this.records.length >= COMPACT_AT) this.records = compact(this.records, this.dataTags);
  }

  /** The interval's record (undefined when no value is left), emptying the buffer. */
  take(): OutboundRecord | undefined {
    const records = this.records;
    this.records = [];
    return aggregateInterval(records, this.dataTags);
  }
}

/** Per OBIS code the newest wanted value (later wins a tie, as in aggregateInterval), regrouped by record. */
export function compact(records: readonly AiidaRecord[], dataTags: readonly string[]): AiidaRecord[] {
  const newest = new Map<number, { value: AiidaRecordValue; record: AiidaRecord }>();
  for (const record of records) {
    for (const value of record.values) {
      if (!wantsDataTag({ dataTags }, value.obis.code)) continue;
      const kept = newest.get(value.obis.key);
      if (kept === undefined || record.timestamp >= kept.record.timestamp)
        newest.set(value.obis.key, { value, record });
    }
  }
  const byRecord = new Map<AiidaRecord, AiidaRecordValue[]>();
  for (const { value, record } of newest.values()) {
    const values = byRecord.get(record) ?? [];
    values.push(value);
    byRecord.set(record, values);
  }
  return [...byRecord.entries()]
    .map(([record, values]) => ({ ...record, values }))
    .sort((a, b) => a.timestamp - b.timestamp);
}
