import type { OutboundValue } from "../domain/outbound-record.ts";
import { checkDocumentInput } from "./cim-wire-values.ts";
import type { OutboundDocumentInput } from "./outbound-document-input.ts";

/** One value of a RAW document: AIIDA's AiidaRecordValueDto, every field a string. */
export interface RawValueJson {
  readonly rawTag: string;
  readonly dataTag: string;
  readonly rawValue: string;
  readonly value: string;
  readonly rawUnitOfMeasurement: string;
  readonly unitOfMeasurement: string;
}

/** SMART-METER-P1-RAW: AIIDA's AiidaRecordDto. */
export interface RawRecordJson {
  readonly timestamp: string;
  readonly permissionId: string;
  readonly userId: string | null;
  readonly dataSourceId: string;
  readonly asset: string;
  readonly meterId: string | null;
  readonly operatorId: string | null;
  readonly values: readonly RawValueJson[];
}

function rawValue(v: OutboundValue): RawValueJson {
  return {
    rawTag: v.rawTag,
    dataTag: v.dataTag,
    rawValue: v.rawValue,
    value: v.value,
    rawUnitOfMeasurement: v.rawUnitOfMeasurement,
    unitOfMeasurement: v.unitOfMeasurement,
  };
}

/**
 * The RAW document of a record: every value (whatever its OBIS code), the timestamp as an ISO-8601
 * UTC instant; absent ids as null, as AIIDA's Jackson writes them. Undefined for a record without values.
 */
export function buildRawRecord(input: OutboundDocumentInput): RawRecordJson | undefined {
  checkDocumentInput(input);
  const { record, permission, dataSource } = input;
  if (record.values.length === 0) return undefined;
  return {
    timestamp: new Date(record.timestamp).toISOString(),
    permissionId: permission.permissionId,
    userId: permission.userId ?? null,
    dataSourceId: dataSource.id,
    asset: dataSource.asset,
    meterId: dataSource.meterId,
    operatorId: dataSource.operatorId,
    values: record.values.map(rawValue),
  };
}
