import type { ObisCodeEntry } from "./obis-code.ts";

/** One measured value of a record: what was measured (OBIS), the device's own tag for it, the number. */
export interface AiidaRecordValue {
  readonly obis: ObisCodeEntry;
  /** The source's own name for the quantity (for CIM: the QuantityTypeKind name). */
  readonly rawTag: string;
  readonly value: number;
  /** CIM quality name, e.g. "AS_PROVIDED". */
  readonly quality: string;
}

/** Where a record's timestamp came from: the device said it, or the hub used the receipt time. */
export type TimestampSource = "device" | "receipt";

/** One accepted message of a data source: its values at one instant. */
export interface AiidaRecord {
  readonly dataSourceId: string;
  /** Measurement time in epoch milliseconds (the device's, or the receipt time when the device sent none). */
  readonly timestamp: number;
  readonly timestampSource: TimestampSource;
  /** When the hub received the message, epoch milliseconds. */
  readonly receivedAt: number;
  readonly values: readonly AiidaRecordValue[];
}
