import type { AiidaRecord, AiidaRecordValue } from "../domain/aiida-record.ts";
import { wantsDataTag } from "../domain/data-need.ts";
import { type OutboundRecord, toOutboundValue } from "../domain/outbound-record.ts";

/**
 * The one record a permission sends for an interval, from the records of its data source buffered
 * since the last one: for each OBIS code the value of the newest record that has it (later in the
 * buffer wins a tie), only OBIS codes in `dataTags` (empty = all), in the OBIS catalogue's order.
 * The timestamp is that of the newest record that gave a value, so no value is dated later than it was
 * measured. Undefined when no value remains: an interval without data sends nothing.
 * Unlike AIIDA, values are merged by OBIS code, not by the device's raw tag.
 */
export function aggregateInterval(
  records: readonly AiidaRecord[],
  dataTags: readonly string[],
): OutboundRecord | undefined {
  const first = records[0];
  if (first === undefined) return undefined;
  const newest = new Map<number, { value: AiidaRecordValue; timestamp: number }>();
  for (const record of records) {
    if (record.dataSourceId !== first.dataSourceId) {
      throw new RangeError(
        `records of data sources ${first.dataSourceId} and ${record.dataSourceId} cannot be merged`,
      );
    }
    for (const value of record.values) {
      if (!wantsDataTag({ dataTags }, value.obis.code)) continue;
      const kept = newest.get(value.obis.key);
      if (kept === undefined || record.timestamp >= kept.timestamp) {
        newest.set(value.obis.key, { value, timestamp: record.timestamp });
      }
    }
  }
  if (newest.size === 0) return undefined;
  const kept = [...newest.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
  return {
    dataSourceId: first.dataSourceId,
    timestamp: Math.max(...kept.map((entry) => entry.timestamp)),
    values: kept.map((entry) => toOutboundValue(entry.value)),
  };
}
