/** What a permission's stream to EDDIE is doing. */
export type StreamPhase =
  /** Taking records and sending them on the schedule. */
  | "streaming"
  /** Ended: delivering what the outbox still holds, final status message last. */
  | "finishing"
  /** Ended and done: the outbox was delivered or discarded, the connection closed. */
  | "finished"
  /** Not streaming in this hub process (not started yet, or waiting for its start). */
  | "idle";

/** The last message EDDIE's broker acknowledged on one channel (a schema id, or "status"). */
export interface LastSentMessage {
  readonly channel: string;
  /** Epoch ms of the PUBACK. */
  readonly sentAt: number;
  readonly payload: string;
}

/** Consent record: how many values of one OBIS code left the house in one schema, and when (PUBACK times). */
export interface SentValueCount {
  readonly schema: string;
  readonly obisCode: string;
  readonly values: number;
  readonly firstSentAt: number;
  readonly lastSentAt: number;
}

/** How a permission's data flows to EDDIE right now. */
export interface PermissionDataFlow {
  readonly permissionId: string;
  readonly phase: StreamPhase;
  readonly brokerConnected: boolean;
  /** null when the permission does not stream in this process. */
  readonly transmissionEnabled: boolean | null;
  readonly transmissionSchedule: string | null;
  /** The outbox cap for data messages; null when the permission does not stream in this process. */
  readonly maxDataMessages: number | null;
  readonly dataMessages: number;
  readonly statusMessages: number;
  /** Epoch ms the oldest waiting message was written; null for an empty outbox. */
  readonly oldestWaitingSince: number | null;
  /** Data messages dropped by the cap (oldest first). */
  readonly droppedOldest: number;
  /** Messages left undelivered when the permission ended. */
  readonly discardedAtEnd: number;
  /** The final status once the permission is ending. */
  readonly finalStatus: string | null;
  readonly lastSent: readonly LastSentMessage[];
}

/** What the HTTP side reads of the streaming side. */
export interface SharingFlowReader {
  dataFlow(permissionId: string): Promise<PermissionDataFlow>;
  sentValues(permissionId: string): Promise<readonly SentValueCount[]>;
}
