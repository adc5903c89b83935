import type { DataSourceRole } from "./data-source-role.ts";
import type { PlausibilityOverrides } from "./plausibility.ts";

/** Data source types the hub can ingest. Only CIM for now; the registry in ingest/ is keyed by this. */
export const DATA_SOURCE_TYPES = ["CIM"] as const;
export type DataSourceType = (typeof DATA_SOURCE_TYPES)[number];

/** AIIDA's AiidaAsset values, in their JSON (hyphenated) form. */
export const ASSETS = [
  "CONNECTION-AGREEMENT-POINT",
  "CONTROLLABLE-UNIT",
  "DEDICATED-MEASUREMENT-DEVICE",
  "SUBMETER",
] as const;
export type Asset = (typeof ASSETS)[number];

/** AIIDA's data source icons. */
export const ICONS = ["ELECTRICITY", "HEAT", "METER", "WATER"] as const;
export type Icon = (typeof ICONS)[number];

/** A device that publishes to the hub's broker with its own credentials. */
export interface DataSource {
  /** UUID; also the device's MQTT username. */
  readonly id: string;
  readonly name: string;
  readonly type: DataSourceType;
  readonly asset: Asset;
  /** What it measures in the household; names its quantities for people. */
  readonly role: DataSourceRole;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly countryCode: string;
  readonly icon: Icon;
  readonly meterId: string | null;
  readonly operatorId: string | null;
  /** Its own plausible ranges per OBIS code; null: the household defaults. */
  readonly plausibility: PlausibilityOverrides | null;
  readonly enabled: boolean;
  /** The user it belongs to (the admin today); only its owner's permissions may share it. */
  readonly owner: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The topic a data source publishes its measurements to. */
export function dataTopic(dataSourceId: string): string {
  return `aiida/${dataSourceId}/data`;
}

/** True for a topic of the form of {@link dataTopic}, whatever the data source. */
export function isDataTopic(topic: string): boolean {
  return topic.startsWith("aiida/") && topic.endsWith("/data");
}

/** The topic the hub publishes feedback reports to, the only one the device may subscribe to. */
export function feedbackTopic(dataSourceId: string): string {
  return `aiida/${dataSourceId}/feedback`;
}
