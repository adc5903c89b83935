/** Shapes of the hub's REST API as the UI reads them (see GET /api/openapi.json). */

export type HealthStatus = "UP" | "WARNING" | "DOWN" | "UNKNOWN" | "DISABLED";

export interface DataSource {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly asset: string;
  /** GRID_METER, PV_INVERTER, …: names the quantities. */
  readonly role: string;
  readonly countryCode: string;
  readonly icon: string;
  readonly meterId: string | null;
  readonly operatorId: string | null;
  /** Its own plausible ranges per OBIS code; null: the household defaults. */
  readonly plausibility: Readonly<Record<string, { readonly min?: number; readonly max?: number }>> | null;
  readonly enabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly mqtt: { readonly brokerUrl: string; readonly topic: string; readonly username: string };
  readonly health: {
    readonly status: HealthStatus;
    readonly connected: boolean;
    readonly lastMessageAt: string | null;
    readonly reason: string;
  };
  readonly stats: {
    readonly messagesAccepted: number;
    readonly messagesRejected: number;
    readonly valuesAccepted: number;
    readonly valuesRejected: number;
  };
}

export interface Credentials {
  readonly dataSourceId: string;
  readonly brokerUrl: string;
  readonly topic: string;
  readonly username: string;
  readonly password: string;
}

/** A quantity's plain name for a role, in parts: a message key of the flow, a meter total or not, a phase. */
export interface PlainQuantityName {
  readonly flow: string;
  readonly total: boolean;
  readonly phase: string | null;
  /** The name in English, as the hub writes it in feedback. */
  readonly text: string;
}

export interface Catalogue {
  readonly types: readonly string[];
  readonly assets: readonly string[];
  /** Each role with its plain quantity names by OBIS code. */
  readonly roles: ReadonlyArray<{
    readonly role: string;
    readonly quantityNames: Readonly<Record<string, PlainQuantityName>>;
  }>;
  /** The role a new data source of each asset gets by default. */
  readonly assetDefaultRoles: Readonly<Record<string, string>>;
  readonly icons: readonly string[];
  readonly countries: ReadonlyArray<{ readonly code: string; readonly name: string }>;
  readonly quantityTypes: ReadonlyArray<{ type: string; name: string; dataTag: string; unit: string }>;
  readonly qualities: readonly string[];
  readonly obisCodes: ReadonlyArray<{ readonly code: string; readonly name: string; readonly unit: string }>;
  /** The hub's time zone (IANA): the UI shows times in it, with its name. */
  readonly timeZone: string;
}

export interface RecordValue {
  readonly dataTag: string;
  readonly name: string;
  readonly rawTag: string;
  readonly value: number;
  readonly unitOfMeasurement: string;
  readonly quality: string;
}

export interface AiidaRecord {
  readonly dataSourceId: string;
  readonly timestamp: string;
  readonly timestampSource: "device" | "receipt";
  readonly receivedAt: string;
  readonly values: readonly RecordValue[];
}

/** A problem or warning of a report; `message` is missing in reports stored before the hub wrote sentences. */
export interface FeedbackFinding {
  readonly path: string;
  readonly reason: string;
  readonly message?: string;
  /** Set on a value outside its plausible range. */
  readonly plausibility?: {
    readonly obis: string;
    readonly value: number;
    readonly unit: string;
    readonly min: number;
    readonly max: number;
  };
}

export interface FeedbackReport {
  readonly dataSourceId: string;
  readonly receivedAt: string;
  readonly status: "rejected" | "partial" | "accepted-with-warnings";
  readonly summary?: string;
  readonly problems: readonly FeedbackFinding[];
  readonly warnings?: readonly FeedbackFinding[];
  readonly ignoredFields: readonly string[];
  readonly notes: readonly string[];
  readonly kept: {
    readonly timestamp: string | null;
    readonly timestampSource: string | null;
    readonly values: ReadonlyArray<{
      readonly type: string;
      readonly obis: string;
      readonly value: number;
      readonly text?: string;
    }>;
  };
}

export interface SeriesPoint {
  readonly t: string;
  readonly min: number;
  readonly avg: number;
  readonly max: number;
  readonly last: number;
  readonly count: number;
}

export interface Series {
  readonly dataTag: string;
  readonly name: string | undefined;
  readonly unitOfMeasurement: string | undefined;
  readonly points: readonly SeriesPoint[];
}

export interface SeriesResponse {
  readonly from: string;
  readonly to: string;
  readonly bucketMs: number;
  readonly series: readonly Series[];
}

export type PermissionStatusGroup = "active" | "pending" | "complete";

export interface DataNeed {
  readonly dataNeedId: string;
  readonly type: string;
  readonly name: string;
  readonly description: string;
  readonly purpose: string;
  readonly policyLink: string;
  readonly transmissionSchedule: string;
  readonly acknowledgementRequired: boolean;
  readonly allowedPermissionCommands: readonly string[];
  readonly schemas: readonly string[];
  readonly asset: string;
  /** OBIS codes to share; empty means every quantity. */
  readonly dataTags: readonly string[];
  readonly contexts: readonly string[] | null;
}

/** A permission to share data with EDDIE (AIIDA's Permission JSON plus why it is where it is). */
export interface Permission {
  readonly permissionId: string;
  readonly eddieId: string;
  readonly status: string;
  readonly statusGroup: PermissionStatusGroup;
  readonly serviceName: string | null;
  readonly startTime: string | null;
  readonly expirationTime: string | null;
  readonly grantTime: string | null;
  readonly revokeTime: string | null;
  readonly dataNeed: DataNeed | null;
  readonly unsupportedSchemas: readonly string[];
  readonly dataSourceId: string | null;
  readonly dataSource: {
    readonly id: string;
    readonly name: string | null;
    readonly asset: string;
    readonly deleted: boolean;
  } | null;
  readonly transmissionEnabled: boolean | null;
  readonly effectiveTransmissionSchedule: string | null;
  readonly statusReason: string | null;
  /** Why the details cannot be fulfilled, per field of the data need. */
  readonly problems: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
  readonly pendingStep: {
    readonly step: string;
    readonly attempts: number;
    readonly nextAttemptAt: string | null;
  } | null;
  readonly lastError: string | null;
  readonly addedAt: string | null;
}

export interface SentMessage {
  readonly sentAt: string | null;
  readonly content: unknown;
}

/** How a permission's data flows to EDDIE's broker right now. */
export interface DataFlow {
  readonly permissionId: string;
  readonly phase: string;
  readonly brokerConnected: boolean;
  readonly transmissionEnabled: boolean | null;
  readonly transmissionSchedule: string | null;
  readonly outbox: {
    readonly dataMessages: number;
    readonly statusMessages: number;
    readonly maxDataMessages: number | null;
    readonly oldestWaitingSince: string | null;
    readonly droppedOldest: number;
    readonly discardedAtEnd: number;
  };
  readonly finalStatus: string | null;
  readonly lastSent: ReadonlyArray<SentMessage & { readonly schema: string }>;
  readonly lastStatusMessage: SentMessage | null;
}

/** What left the house under a permission. */
export interface ConsentRecord {
  readonly permissionId: string;
  readonly status?: string;
  readonly serviceName?: string;
  readonly grantTime: string | null;
  readonly revokeTime: string | null;
  readonly values: ReadonlyArray<{
    readonly schema: string;
    readonly obisCode: string;
    readonly name: string | null;
    readonly unit: string | null;
    readonly values: number;
    readonly firstSentAt: string | null;
    readonly lastSentAt: string | null;
  }>;
}

/** One event of GET /api/datasources/{id}/connections (the hub's src/domain/connection-event.ts). */
export interface ConnectionEvent {
  readonly at: string;
  readonly kind: "connected" | "disconnected" | "refused" | "publish-refused" | "subscribe-refused";
  readonly reason: string;
  readonly address: string;
  readonly clientId: string | null;
  readonly protocol: string | null;
}
