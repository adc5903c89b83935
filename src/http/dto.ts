import type { AiidaRecord } from "../domain/aiida-record.ts";
import { type DataSource, dataTopic } from "../domain/data-source.ts";
import type { SourceHealth } from "../services/health.ts";
import type { IngestCounters } from "../storage/ports.ts";

/** A data source as the API returns it: its fields, how to connect (without password), health and counts. */
export function dataSourceDto(
  source: DataSource,
  brokerUrl: string,
  health: SourceHealth,
  counters: IngestCounters | undefined,
) {
  return {
    id: source.id,
    name: source.name,
    type: source.type,
    asset: source.asset,
    role: source.role,
    countryCode: source.countryCode,
    icon: source.icon,
    meterId: source.meterId,
    operatorId: source.operatorId,
    plausibility: source.plausibility,
    enabled: source.enabled,
    createdAt: new Date(source.createdAt).toISOString(),
    updatedAt: new Date(source.updatedAt).toISOString(),
    mqtt: { brokerUrl, topic: dataTopic(source.id), username: source.id },
    health,
    stats: {
      messagesAccepted: counters?.messagesAccepted ?? 0,
      messagesRejected: counters?.messagesRejected ?? 0,
      valuesAccepted: counters?.valuesAccepted ?? 0,
      valuesRejected: counters?.valuesRejected ?? 0,
    },
  };
}

/** A record as the API returns it, with AIIDA's value field names (dataTag = OBIS code). */
export function recordDto(record: AiidaRecord) {
  return {
    dataSourceId: record.dataSourceId,
    timestamp: new Date(record.timestamp).toISOString(),
    timestampSource: record.timestampSource,
    receivedAt: new Date(record.receivedAt).toISOString(),
    values: record.values.map((v) => ({
      dataTag: v.obis.code,
      name: v.obis.name,
      rawTag: v.rawTag,
      value: v.value,
      rawValue: String(v.value),
      unitOfMeasurement: v.obis.unit,
      rawUnitOfMeasurement: v.obis.unit,
      quality: v.quality,
    })),
  };
}
