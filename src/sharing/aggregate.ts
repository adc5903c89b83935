import type { AiidaRecord, AiidaRecordValue } from "../domain/aiida-record.ts";
import { wantsDataTag } from "../domain/data-need.ts";
import { type OutboundRecord, toOutboundValue } from "../domain/outbound-record.ts";

/**
 * The one record a permission sends for an interval, folded from the records of its data source as they
 * come: for each OBIS code the value of the newest record that has it (the later added wins a tie), only
 * OBIS codes in `dataTags` (empty = all), in the OBIS catalogue's order. The timestamp is that of the
 * newest record that gave a value, so no value is dated later than it was measured. Nothing when no value
 * remains: an interval without data sends nothing. It holds one value per OBIS code, however many records
 * a fast device sends between two firings of a slow schedule.
 * Unlike AIIDA, values are merged by OBIS code, not by the device's raw tag.
 */
export class IntervalAggregate {
  private readonly newest = new Map<number, { value: AiidaRecordValue; timestamp: number }>();
  private dataSourceId: string | undefined;

  constructor(private readonly dataTags: readonly string[]) {}

  /** OBIS codes holding a value. */
  get size(): number {
    return this.newest.size;
  }

  add(record: AiidaRecord): void {
    this.dataSourceId ??= record.dataSourceId;
    if (record.dataSourceId !== this.dataSourceId) {
      throw new RangeError(
        `records of data sources ${this.dataSourceId} and ${record.dataSourceId} cannot be merged`,
      );
    }
    for (const value of record.values) {
      if (!wantsDataTag({ dataTags: this.dataTags }, value.obis.code)) continue;
      const kept = this.newest.get(value.obis.key);
      if (kept === undefined || record.timestamp >= kept.timestamp) {
        this.newest.set(value.obis.key, { value, timestamp: record.timestamp });
      }
    }
  }

  /** The interval's record (undefined when no value is left), starting the next interval empty. */
  take(): OutboundRecord | undefined {
    const dataSourceId = this.dataSourceId;
    const kept = [...this.newest.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
    this.newest.clear();
    this.dataSourceId = undefined;
    if (dataSourceId === undefined || kept.length === 0) return undefined;
    return {
      dataSourceId,
      timestamp: Math.max(...kept.map((entry) => entry.timestamp)),
      values: kept.map((entry) => toOutboundValue(entry.value)),
    };
  }
}

/** The interval's record of `records` (see IntervalAggregate), all of one data source. */
export function aggregateInterval(
  records: readonly AiidaRecord[],
  dataTags: readonly string[],
): OutboundRecord | undefined {
  const aggregate = new IntervalAggregate(dataTags);
  for (const record of records) aggregate.add(record);
  return aggregate.take();
}
