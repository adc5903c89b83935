import type { OutboundRecord, SharedDataSource } from "../domain/outbound-record.ts";

/** The permission a document is sent for: the ids EDDIE uses to route and file it. */
export interface DocumentPermission {
  /** Must be the id in the topic the document is published to: EDDIE routes by the document's id. */
  readonly permissionId: string;
  readonly connectionId: string;
  readonly dataNeedId: string;
  /** This hub's AIIDA id, sent as `finalCustomerId` (per instance, not per user). */
  readonly aiidaId: string;
  /** The user who granted the permission (RAW's `userId`); null there when absent. */
  readonly userId?: string;
}

/** Everything an outbound document is made of; clock and id generator are passed in, so output is reproducible. */
export interface OutboundDocumentInput {
  readonly record: OutboundRecord;
  readonly permission: DocumentPermission;
  readonly dataSource: SharedDataSource;
  /** Formatting time, epoch ms (CIM creation date-times). */
  readonly now: number;
  /** A new random UUID for each CIM MarketDocument.mRID. */
  readonly newMrid: () => string;
}
