import type { AiidaRecord } from "../domain/aiida-record.ts";
import type { DataSource } from "../domain/data-source.ts";
import type { LastSentMessage, SentValueCount } from "../domain/sharing-flow.ts";
import type { DevicePasswordHash } from "../platform/secrets.ts";

/** A data source with its broker credentials' hash, as the broker's authenticator needs it. */
export interface DeviceCredential {
  readonly dataSourceId: string;
  readonly enabled: boolean;
  readonly password: DevicePasswordHash;
}

/** Fields a user may change on a data source. */
export type DataSourcePatch = Partial<
  Pick<DataSource, "name" | "asset" | "countryCode" | "icon" | "meterId" | "operatorId" | "enabled">
>;

/** Message and value counts of one data source since it was created. */
export interface IngestCounters {
  readonly messagesAccepted: number;
  readonly messagesRejected: number;
  readonly valuesAccepted: number;
  readonly valuesRejected: number;
  readonly lastMessageAt: number | null;
}

/** Data sources and their device credentials. Every write is atomic. */
export interface DataSourceStore {
  create(source: DataSource, password: DevicePasswordHash): void;
  get(id: string): DataSource | undefined;
  list(): DataSource[];
  update(id: string, patch: DataSourcePatch, now: number): DataSource | undefined;
  setPassword(id: string, password: DevicePasswordHash, now: number): boolean;
  delete(id: string): boolean;
  credentials(): DeviceCredential[];
  counters(id: string): IngestCounters | undefined;
}

/** A feedback report sent to a device about one message that was not accepted as it was. */
export interface FeedbackReport {
  readonly dataSourceId: string;
  readonly receivedAt: string;
  readonly status: "rejected" | "partial" | "accepted-with-warnings";
  readonly problems: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
  readonly ignoredFields: readonly string[];
  readonly notes: readonly string[];
  readonly kept: {
    readonly timestamp: string | null;
    readonly timestampSource: "device" | "receipt" | null;
    readonly values: ReadonlyArray<{ readonly type: string; readonly obis: string; readonly value: number }>;
  };
}

/** The outcome of one device message, written durably in one batch with others. */
export interface IngestOutcome {
  readonly dataSourceId: string;
  readonly record: AiidaRecord | undefined;
  readonly feedback: FeedbackReport | undefined;
  readonly valuesRejected: number;
}

/** Query for raw records, newest first. */
export interface RecordQuery {
  readonly from?: number;
  readonly to?: number;
  readonly obis?: readonly string[];
  readonly limit: number;
  /** Exclusive upper bound from the previous page. */
  readonly before?: number;
}

/** One bucket of a downsampled series. */
export interface SeriesPoint {
  readonly t: number;
  readonly min: number;
  readonly avg: number;
  readonly max: number;
  readonly last: number;
  readonly count: number;
}

/**
 * Reading records (measurements) and feedback reports: off the main thread, so a long chart query
 * never holds up MQTT or HTTP. An unknown (or deleted) data source reads as empty.
 */
export interface RecordStore {
  latest(dataSourceId: string): Promise<AiidaRecord | undefined>;
  query(dataSourceId: string, query: RecordQuery): Promise<AiidaRecord[]>;
  /** Buckets aligned to multiples of `bucketMs` since the epoch, per OBIS code. */
  series(
    dataSourceId: string,
    from: number,
    to: number,
    bucketMs: number,
    obis: readonly string[] | undefined,
  ): Promise<Map<string, SeriesPoint[]>>;
  feedback(dataSourceId: string, limit: number): Promise<FeedbackReport[]>;
}

/** What one rollup step did. */
export interface RollupProgress {
  /** False when there was nothing to do. */
  readonly worked: boolean;
  /** Data sources whose hourly rollup fails, and why: they are tried again later, the others go on. */
  readonly failing: ReadonlyMap<string, string>;
}

/** Writing records: off the main thread, so a commit's fsync never holds up MQTT or HTTP. */
export interface RecordWriter {
  /**
   * Writes a batch of outcomes in one transaction; resolves once it is committed to disk. A failure
   * that one of the outcomes may have caused (a constraint) has `isolable: true` on its error: written
   * in smaller pieces, the other outcomes may succeed.
   */
  write(outcomes: readonly IngestOutcome[]): Promise<void>;
  /** Deletes up to about `batch` old rows (records of deleted data sources first); resolves with how many went. */
  deleteOlderThan(before: number, batch: number): Promise<number>;
  /** Rolls one bounded piece of one data source's data up into hourly summaries. */
  rollupStep(now: number): Promise<RollupProgress>;
}

/** The admin account and its sessions. */
export interface AdminStore {
  passwordHash(username: string): string | undefined;
  setPasswordHash(username: string, hash: string): void;
  createSession(tokenDigest: string, username: string, expiresAt: number): void;
  sessionUser(tokenDigest: string, now: number): string | undefined;
  deleteSession(tokenDigest: string): void;
}

/** What a sharing outbox message is: data for EDDIE in one schema, or a permission's status message. */
export type OutboxKind = "data" | "status";

/** A message for EDDIE's broker, written to the outbox before it is published. */
export interface OutboxEntry {
  readonly permissionId: string;
  readonly kind: OutboxKind;
  /** The schema id of a data message; "status" for a status message. */
  readonly channel: string;
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
  /** OBIS codes the message carries, for the consent record; empty for status messages. */
  readonly dataTags: readonly string[];
  readonly createdAt: number;
}

/** An outbox message with its place in the delivery order. */
export interface OutboxMessage extends OutboxEntry {
  /** Ascending in the order the messages were written. */
  readonly id: number;
}

/** Messages of one permission to append, and its cap. */
export interface OutboxAppend {
  readonly permissionId: string;
  readonly entries: readonly OutboxEntry[];
  /** Most data messages the permission may hold; the oldest beyond it are dropped and counted. */
  readonly maxDataMessages: number;
  /** Ids being published right now: never dropped (their PUBACK must still find them). */
  readonly inFlight: readonly number[];
}

/** A message EDDIE's broker acknowledged (PUBACK). */
export interface OutboxDelivery {
  readonly id: number;
  readonly sentAt: number;
}

/** The streaming side's lasting facts about one permission. */
export interface SharingStreamState {
  readonly dataMessages: number;
  readonly statusMessages: number;
  readonly oldestCreatedAt: number | null;
  readonly droppedOldest: number;
  readonly discardedAtEnd: number;
  /** The final status once the permission is ending; null while it streams (or never did). */
  readonly finishingStatus: string | null;
  readonly finishingSince: number | null;
  /** When its outbox was delivered or discarded for good. */
  readonly finishedAt: number | null;
}

/**
 * The sharing outbox: every message for EDDIE is written here before it is published and deleted only
 * when EDDIE's broker acknowledged it. Every method is one transaction.
 */
export interface SharingOutboxStore {
  /** Appends messages of several permissions; drops each one's oldest data messages beyond its cap, counted. */
  append(batch: readonly OutboxAppend[]): void;
  /** Up to `limit` of the oldest messages of a permission; with `includeData` false only status messages. */
  next(permissionId: string, limit: number, includeData: boolean): OutboxMessage[];
  /** Deletes acknowledged messages, counting their values in the consent record and keeping the last per channel. */
  delivered(deliveries: readonly OutboxDelivery[]): void;
  /**
   * Marks the permission as ending and appends its final status message, unless it already is ending
   * (then nothing changes: false). With `discardData`, its data messages are discarded first (counted).
   */
  beginFinish(permissionId: string, status: string, message: OutboxEntry, discardData: boolean): boolean;
  /** Deletes what is left of the permission's outbox, counting it as discarded at the end; marks it finished. */
  finish(permissionId: string, now: number): number;
  state(permissionId: string): SharingStreamState | undefined;
  /** Permissions that are ending but not finished (to resume after a restart). */
  finishingPermissionIds(): string[];
  sentValues(permissionId: string): SentValueCount[];
  lastSent(permissionId: string): LastSentMessage[];
}
