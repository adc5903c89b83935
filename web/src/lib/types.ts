/** Shapes of the hub's REST API as the UI reads them (see GET /api/openapi.json). */

export type HealthStatus = "UP" | "WARNING" | "DOWN" | "UNKNOWN";

export interface DataSource {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly asset: string;
  readonly countryCode: string;
  readonly icon: string;
  readonly meterId: string | null;
  readonly operatorId: string | null;
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

export interface Catalogue {
  readonly types: readonly string[];
  readonly assets: readonly string[];
  readonly icons: readonly string[];
  readonly countries: ReadonlyArray<{ readonly code: string; readonly name: string }>;
  readonly quantityTypes: ReadonlyArray<{ type: string; name: string; dataTag: string; unit: string }>;
  readonly qualities: readonly string[];
  readonly obisCodes: ReadonlyArray<{ readonly code: string; readonly name: string; readonly unit: string }>;
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

export interface FeedbackReport {
  readonly dataSourceId: string;
  readonly receivedAt: string;
  readonly status: "rejected" | "partial" | "accepted-with-warnings";
  readonly problems: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
  readonly ignoredFields: readonly string[];
  readonly notes: readonly string[];
  readonly kept: {
    readonly timestamp: string | null;
    readonly timestampSource: string | null;
    readonly values: ReadonlyArray<{ readonly type: string; readonly obis: string; readonly value: number }>;
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
