import type { DataSource, DataSourceType } from "../domain/data-source.ts";
import type { IngestOutcome } from "../storage/ports.ts";
import { ingestCimMessage } from "./cim-adapter.ts";
import type { ReceiptStamps } from "./receipt-stamps.ts";

/** What an adapter needs to know besides the message itself. */
export interface AdapterContext {
  readonly receivedAt: number;
  readonly maxFutureMs: number;
  /** Device timestamps older than this before receipt are refused. */
  readonly maxPastMs: number;
  /** Gives a message without a timestamp its receipt time, unique per data source. */
  readonly receiptStamps: ReceiptStamps;
}

/** Turns one device message into what to store and what to tell the device. Pure: no I/O. */
export type MessageAdapter = (source: DataSource, payload: Buffer, ctx: AdapterContext) => IngestOutcome;

/** One adapter per data source type: a type without an adapter does not compile. */
export const ADAPTERS: Readonly<Record<DataSourceType, MessageAdapter>> = {
  CIM: ingestCimMessage,
};
