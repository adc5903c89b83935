import type { AiidaRecord } from "../domain/aiida-record.ts";
import type { OutboundDataNeed } from "../domain/data-need.ts";
import type { DataSource } from "../domain/data-source.ts";
import type { QuantityEnergy } from "../domain/energy-flow.ts";
import type { ProblemDetail } from "../domain/hub-error.ts";
import type { SharedDataSource } from "../domain/outbound-record.ts";
import type { PermissionStatus } from "../domain/permission-status.ts";
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
  Pick<
    DataSource,
    "name" | "asset" | "role" | "countryCode" | "icon" | "meterId" | "operatorId" | "plausibility" | "enabled"
  >
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
  create(source: DataSource, password: DevicePasswordHash): Promise<void>;
  get(id: string): Promise<DataSource | undefined>;
  list(): Promise<DataSource[]>;
  update(id: string, patch: DataSourcePatch, now: number): Promise<DataSource | undefined>;
  setPassword(id: string, password: DevicePasswordHash, now: number): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  credentials(): Promise<DeviceCredential[]>;
  /** One data source's credential; undefined when it does not exist. */
  credential(id: string): Promise<DeviceCredential | undefined>;
  counters(id: string): Promise<IngestCounters | undefined>;
}

/** A feedback report sent to a device about one message that was not accepted as it was. */
/** Something wrong with a message: its JSON path and exact reason for experts, a plain sentence for people. */
export interface FeedbackProblem {
  readonly path: string;
  readonly reason: string;
  readonly message: string;
}

/** A value outside the range its quantity is expected in (stored all the same). */
export interface PlausibilityFinding {
  readonly obis: string;
  readonly value: number;
  readonly unit: string;
  readonly min: number;
  readonly max: number;
}

/** Something stored that looks wrong: a timestamp weeks old, a value out of its plausible range. */
export interface FeedbackWarning extends FeedbackProblem {
  /** Set for a value out of its plausible range. */
  readonly plausibility?: PlausibilityFinding;
}

/** One stored value as the report lists it: the wire fields plus its name, unit and a sentence fragment. */
export interface KeptValue {
  readonly type: string;
  readonly obis: string;
  readonly value: number;
  /** What the quantity is called ("Instantaneous active power consumption"). */
  readonly name: string;
  /** Its unit ("kW"); empty for a plain ratio. */
  readonly unit: string;
  /** Name, value and unit for reading: "Instantaneous active power consumption 2.5 kW". */
  readonly text: string;
}

export interface FeedbackReport {
  readonly dataSourceId: string;
  readonly receivedAt: string;
  readonly status: "rejected" | "partial" | "accepted-with-warnings";
  /** One or two plain sentences on what became of the message. */
  readonly summary: string;
  readonly problems: readonly FeedbackProblem[];
  readonly warnings: readonly FeedbackWarning[];
  readonly ignoredFields: readonly string[];
  /** For experts and older readers: every warning as "path: reason", and notes such as the receipt time. */
  readonly notes: readonly string[];
  readonly kept: {
    readonly timestamp: string | null;
    readonly timestampSource: "device" | "receipt" | null;
    readonly values: readonly KeptValue[];
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

/** What one page of an export asks for: records with `from` ≤ timestamp < `to`, oldest first. */
export interface ExportPageQuery {
  readonly from: number;
  readonly to: number;
  /** OBIS codes whose values the page carries, in column order; other values are left out. */
  readonly columns: readonly string[];
  /** Most records in the page; fewer means the range is exhausted. */
  readonly limit: number;
}

/** One page of records as columns of numbers: compact to pass between threads, cheap to format. */
export interface ExportPage {
  /** Each record's timestamp (epoch ms), oldest first. */
  readonly timestamps: Float64Array;
  /** Row by row, `columns.length` values per record; NaN where the record has no value for a column. */
  readonly values: Float64Array;
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
  /**
   * OBIS codes with at least one value at `from` ≤ timestamp < `to`, in catalogue order; answered from
   * the hourly rollups where they cover the range, so a year costs no scan of its raw values.
   */
  quantitiesIn(dataSourceId: string, from: number, to: number): Promise<string[]>;
  /** One page of records for an export; the next page starts 1 ms after the last timestamp of this one. */
  exportPage(dataSourceId: string, query: ExportPageQuery): Promise<ExportPage>;
  /**
   * Energy per interval between `edges` (ascending epoch ms, n + 1 edges for n intervals) of each energy
   * quantity (total registers, power; domain/energy-quantity.ts) with readings in the range; pairs of
   * readings further apart than `maxGapMs` are not bridged.
   */
  energy(dataSourceId: string, edges: readonly number[], maxGapMs: number): Promise<QuantityEnergy[]>;
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
  passwordHash(username: string): Promise<string | undefined>;
  setPasswordHash(username: string, hash: string): Promise<void>;
  createSession(tokenDigest: string, username: string, expiresAt: number): Promise<void>;
  sessionUser(tokenDigest: string, now: number): Promise<string | undefined>;
  deleteSession(tokenDigest: string): Promise<void>;
  /**
   * Sets a new password hash and ends every session of the user but `keepSession` (a token digest;
   * undefined ends them all), in one transaction; returns how many sessions ended.
   */
  replacePassword(username: string, hash: string, keepSession: string | undefined): Promise<number>;
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
  append(batch: readonly OutboxAppend[]): Promise<void>;
  /** Up to `limit` of the oldest messages of a permission; with `includeData` false only status messages. */
  next(permissionId: string, limit: number, includeData: boolean): Promise<OutboxMessage[]>;
  /** Deletes acknowledged messages, counting their values in the consent record and keeping the last per channel. */
  delivered(deliveries: readonly OutboxDelivery[]): Promise<void>;
  /**
   * Marks the permission as ending and appends its final status message, unless it already is ending
   * (then nothing changes: false). With `discardData`, its data messages are discarded first (counted).
   */
  beginFinish(
    permissionId: string,
    status: string,
    message: OutboxEntry,
    discardData: boolean,
  ): Promise<boolean>;
  /** Deletes what is left of the permission's outbox, counting it as discarded at the end; marks it finished. */
  finish(permissionId: string, now: number): Promise<number>;
  state(permissionId: string): Promise<SharingStreamState | undefined>;
  /** Permissions that are ending but not finished (to resume after a restart). */
  finishingPermissionIds(): Promise<string[]>;
  sentValues(permissionId: string): Promise<SentValueCount[]>;
  lastSent(permissionId: string): Promise<LastSentMessage[]>;
}

/** This hub's own identity. */
export interface InstanceStore {
  /** The AIIDA id: made by `generate` and stored on the first call, the stored one ever after. */
  aiidaId(generate: () => string): Promise<string>;
  /**
   * True when the secret key opens what was sealed with the key of earlier starts, or nothing is sealed
   * yet (then the key's check value is stored): a hub started with another key file must not seal new
   * secrets beside unreadable ones.
   */
  secretKeyMatches(): Promise<boolean>;
}

/** A step of a permission that still has to reach EDDIE (or the streaming side), retried until it is done. */
export const PERMISSION_STEPS = [
  /** GET the handshake details (status CREATED). */
  "FETCH_DETAILS",
  /** PATCH ACCEPT and store the broker credentials it answers (status ACCEPTED, or REVOKED before they came). */
  "PATCH_ACCEPT",
  /** PATCH REJECT (status REJECTED). */
  "PATCH_REJECT",
  /** PATCH UNFULFILLABLE (status UNFULFILLABLE). */
  "PATCH_UNFULFILLABLE",
  /** Hand the final status (REVOKED, FULFILLED, TERMINATED) to the streaming side's finish(). */
  "FINISH",
] as const;
export type PermissionStep = (typeof PERMISSION_STEPS)[number];

export interface PendingStep {
  readonly name: PermissionStep;
  /** Failed tries so far. */
  readonly attempts: number;
  /** Epoch ms of the next try. */
  readonly nextAttemptAt: number;
}

/** Where and how to reach EDDIE's broker for one permission (EDDIE's answer to PATCH ACCEPT, its MqttDto). */
export interface BrokerEndpoint {
  /** As EDDIE sent it, e.g. "tcp://eddie-broker:1883". */
  readonly serverUri: string;
  /** The same broker in a scheme mqtt.js knows: tcp → mqtt, ssl → mqtts, others unchanged. */
  readonly brokerUrl: string;
  /** The permission id; also the MQTT client id. */
  readonly username: string;
  readonly dataTopic: string;
  readonly statusTopic: string;
  readonly commandTopic: string;
  /** null unless the data need requires acknowledgements. */
  readonly acknowledgementTopic: string | null;
}

/** The endpoint with its password: only ever in memory, sealed at rest. */
export interface BrokerCredentials extends BrokerEndpoint {
  /** A secret: never logged, never shown in an error. */
  readonly password: string;
}

/** A permission as stored, without its secrets (access token, broker password). */
export interface StoredPermission {
  readonly permissionId: string;
  readonly owner: string;
  readonly eddieId: string;
  readonly status: PermissionStatus;
  /** Expanded with the permission id. */
  readonly handshakeUrl: string;
  readonly addedAt: number;
  readonly updatedAt: number;
  /** This and the next five: from EDDIE's details, null until they were read. */
  readonly connectionId: string | null;
  readonly dataNeedId: string | null;
  readonly meterId: string | null;
  readonly startTime: number | null;
  readonly expirationTime: number | null;
  readonly dataNeed: OutboundDataNeed | null;
  /** Why the details cannot be fulfilled (empty otherwise). */
  readonly problems: readonly ProblemDetail[];
  /** Why the permission ended in a status the user did not choose. */
  readonly statusReason: string | null;
  readonly grantTime: number | null;
  readonly revokeTime: number | null;
  readonly dataSourceId: string | null;
  /** The data source as it was when the permission was accepted. */
  readonly dataSource: SharedDataSource | null;
  readonly transmissionEnabled: boolean;
  /** EDDIE's override; null: the data need's schedule. */
  readonly transmissionSchedule: string | null;
  readonly step: PendingStep | null;
  /** Why the last try of a step failed (kept after a step gave up for good). */
  readonly lastError: string | null;
  /** EDDIE's broker, once the credentials came; never the password. */
  readonly broker: BrokerEndpoint | null;
}

/** What the owner and the AIIDA code give a new permission; it is stored CREATED. */
export interface NewPermission {
  readonly permissionId: string;
  readonly owner: string;
  readonly eddieId: string;
  readonly handshakeUrl: string;
  /** A secret: sealed before it is written. */
  readonly accessToken: string;
  readonly addedAt: number;
  readonly step: PendingStep;
}

/** Fields a change may set; absent fields stay as they are. */
export type PermissionChange = Partial<
  Pick<
    StoredPermission,
    | "status"
    | "connectionId"
    | "dataNeedId"
    | "meterId"
    | "startTime"
    | "expirationTime"
    | "dataNeed"
    | "problems"
    | "statusReason"
    | "grantTime"
    | "revokeTime"
    | "dataSourceId"
    | "dataSource"
    | "transmissionEnabled"
    | "transmissionSchedule"
    | "step"
    | "lastError"
  >
>;

/** Which permissions to list. */
export interface PermissionFilter {
  readonly owner?: string;
  readonly statuses?: readonly PermissionStatus[];
  readonly dataSourceId?: string;
}

/**
 * Permissions and their secrets, sealed at rest. Changes are conditional on the status the caller last
 * saw: a change answers false (and writes nothing) when the status moved meanwhile.
 */
export interface PermissionStore {
  /** The ids among `ids` that are stored already. */
  existing(ids: readonly string[]): Promise<string[]>;
  /** Stores new permissions, all or none. */
  add(permissions: readonly NewPermission[]): Promise<void>;
  get(id: string): Promise<StoredPermission | undefined>;
  /** Newest first. */
  list(filter: PermissionFilter): Promise<StoredPermission[]>;
  update(id: string, expected: PermissionStatus, change: PermissionChange, now: number): Promise<boolean>;
  /** Stores EDDIE's broker credentials and applies `change` in one transaction. */
  storeCredentials(
    id: string,
    expected: PermissionStatus,
    credentials: BrokerCredentials,
    change: PermissionChange,
    now: number,
  ): Promise<boolean>;
  accessToken(id: string): Promise<string | undefined>;
  credentials(id: string): Promise<BrokerCredentials | undefined>;
  /** Deletes the permission if it is in one of `statuses`. */
  deleteIn(id: string, statuses: readonly PermissionStatus[]): Promise<boolean>;
  /** Ids of permissions whose step is due at `now`, the longest due first. */
  dueSteps(now: number, limit: number): Promise<string[]>;
  /** When the next step is due, if any is pending. */
  nextStepAt(): Promise<number | undefined>;
  /**
   * Takes the permission's pending `step` to run it, if it is due at `now`: its next attempt moves to
   * `until`, so that no other hub instance on the database runs it meanwhile. False when it is not
   * pending, not due, or another instance took it.
   */
  claimStep(id: string, step: PermissionStep, now: number, until: number): Promise<boolean>;
  /** Gives back a step taken with claimStep that did not run to its outcome (the hub stops): due at `at`. */
  releaseStep(id: string, step: PermissionStep, claimedUntil: number, at: number): Promise<void>;
}

/** A device's persistent MQTT session as kept across hub restarts. */
export interface DeviceSessionRecord {
  readonly clientId: string;
  readonly dataSourceId: string;
  /** QoS of the device's subscription to its feedback topic; null while it has none. */
  readonly feedbackQos: 0 | 1 | 2 | null;
  /** Epoch ms after which the session ends if the device has not come back; null: never (MQTT 3.x clean=false). */
  readonly expiresAt: number | null;
}

/** A feedback report waiting for a device that is away (or whose delivery was not yet acknowledged). */
export interface QueuedFeedback {
  /** Ascending in the order the reports were queued; never reused, also across restarts. */
  readonly id: number;
  readonly payload: Buffer;
}

/**
 * Persistent MQTT sessions of devices (clean=false, or a session expiry) and the feedback queued for
 * them, so that both survive a restart of the hub. A session belongs to one data source and ends with
 * it. Every method is one transaction.
 */
export interface DeviceSessionStore {
  /** Every kept session (at start-up). */
  all(): Promise<DeviceSessionRecord[]>;
  /**
   * Creates or replaces the session of `clientId`; keeps its queued feedback when the data source is
   * the same. Throws (and changes nothing) when the data source does not exist.
   */
  save(session: DeviceSessionRecord): Promise<void>;
  /** Ends a session and drops its queued feedback. */
  remove(clientId: string): Promise<void>;
  /** Ends every session whose expiresAt is at or before `now`; returns their client ids. */
  removeExpired(now: number): Promise<string[]>;
  /**
   * Appends feedback for a session (oldest first); keeps only the newest `maxPerDataSource` of the data
   * source's sessions together; returns how many older ones were dropped (counting any of `payloads`
   * that did not fit). Throws (and changes nothing) when `clientId` has no session.
   */
  enqueue(clientId: string, payloads: readonly Buffer[], maxPerDataSource: number): Promise<number>;
  /** The queued feedback of a session, oldest first. */
  queued(clientId: string): Promise<QueuedFeedback[]>;
  /** Removes delivered feedback by id (ids of another session are ignored). */
  delivered(clientId: string, ids: readonly number[]): Promise<void>;
}

/** The record writer as the hub runs it: it also tells when it can no longer store anything. */
export interface HubRecordWriter extends RecordWriter {
  /** Called once when no later write can succeed until the hub is restarted. */
  onFailure(listener: (err: Error) => void): void;
}

/** Every store of the hub over one database (the SQLite file or PostgreSQL). */
export interface HubStorage {
  readonly dataSources: DataSourceStore;
  readonly records: RecordStore;
  readonly writer: HubRecordWriter;
  readonly admin: AdminStore;
  /**
   * Calls `listener` once, with why, when the database is lost under the running hub (its file deleted
   * or replaced): nothing written to it would be kept, so the writer refuses every write.
   */
  onDatabaseLost(listener: (reason: string) => void): void;
  /** Messages for EDDIE's brokers before their PUBACK, and what was sent. */
  readonly sharingOutbox: SharingOutboxStore;
  readonly instance: InstanceStore;
  readonly permissions: PermissionStore;
  /** Devices' persistent MQTT sessions and the feedback queued for them. */
  readonly deviceSessions: DeviceSessionStore;
  /** Lets the writer finish what it was given, then closes the connections. */
  close(): Promise<void>;
}
