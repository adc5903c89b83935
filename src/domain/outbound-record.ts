import type { AiidaRecordValue } from "./aiida-record.ts";
import type { DataSource } from "./data-source.ts";
import { decimalText } from "./decimal-text.ts";

/**
 * One value of a record as it is shared with EDDIE: AIIDA's AiidaRecordValue, every field text
 * (values are decimal text for numbers, but may be any text, e.g. a device id).
 */
export interface OutboundValue {
  /** OBIS code, e.g. "1-0:1.8.0". */
  readonly dataTag: string;
  /** The source's own name for the quantity (for CIM: the QuantityTypeKind name). */
  readonly rawTag: string;
  readonly value: string;
  readonly unitOfMeasurement: string;
  readonly rawValue: string;
  readonly rawUnitOfMeasurement: string;
  /** CIM quality name of the stored value; absent = AS_PROVIDED. */
  readonly quality?: string;
}

/** The one record a permission shares per interval: the values of one data source at one instant. */
export interface OutboundRecord {
  readonly dataSourceId: string;
  /** Measurement time, epoch milliseconds. */
  readonly timestamp: number;
  readonly values: readonly OutboundValue[];
}

/**
 * What outbound documents name of the data source whose values they carry. A permission keeps it as it
 * was at acceptance, and the streaming side gets it with the permission.
 */
export type SharedDataSource = Pick<DataSource, "id" | "asset" | "countryCode" | "meterId" | "operatorId">;

/** The fields of a data source that outbound documents name. */
export function sharedDataSource(source: DataSource): SharedDataSource {
  return {
    id: source.id,
    asset: source.asset,
    countryCode: source.countryCode,
    meterId: source.meterId,
    operatorId: source.operatorId,
  };
}

/** A stored value as it is shared: the OBIS code as data tag, the number as decimal text, the OBIS unit for both units. */
export function toOutboundValue(value: AiidaRecordValue): OutboundValue {
  const text = decimalText(value.value);
  return {
    dataTag: value.obis.code,
    rawTag: value.rawTag,
    value: text,
    unitOfMeasurement: value.obis.unit,
    rawValue: text,
    rawUnitOfMeasurement: value.obis.unit,
    quality: value.quality,
  };
}
