import type { Asset } from "./data-source.ts";

/** The only data need type this hub fulfils: data flowing from the hub to EDDIE. */
export const OUTBOUND_AIIDA = "outbound-aiida";

/** Outbound schemas this hub can format (AIIDA also knows OPAQUE and MIN-MAX-ENVELOPE-CIM-V1-12, relayed from inbound data). */
export const SUPPORTED_OUTBOUND_SCHEMAS = [
  "SMART-METER-P1-RAW",
  "SMART-METER-P1-CIM-V1-04",
  "SMART-METER-P1-CIM-V1-12",
] as const;
export type OutboundSchema = (typeof SUPPORTED_OUTBOUND_SCHEMAS)[number];

/** An outbound-aiida data need as the hub keeps it: the copy EDDIE sent with the permission's details. */
export interface OutboundDataNeed {
  readonly id: string;
  readonly type: typeof OUTBOUND_AIIDA;
  readonly name: string;
  readonly description: string;
  readonly purpose: string;
  readonly policyLink: string;
  /** Spring cron text with 6 fields (seconds first), e.g. "*\/5 * * * * *"; kept as EDDIE wrote it. */
  readonly transmissionSchedule: string;
  /** Schema ids as EDDIE listed them, supported or not (see supportedSchemas). */
  readonly schemas: readonly string[];
  /** Only data sources of this asset may serve the data need. */
  readonly asset: Asset;
  /** OBIS codes to send; empty = all. */
  readonly dataTags: readonly string[];
  /** Commands EDDIE may send besides TERMINATE, e.g. "SET_TRANSMISSION_ENABLED". */
  readonly allowedPermissionCommands: readonly string[];
  readonly acknowledgementRequired: boolean;
  /** e.g. ["FLEXIBLE-CONNECTION-AGREEMENT"]; absent when EDDIE sent none. */
  readonly contexts?: readonly string[];
}

/** True for a schema id this hub can format. */
export function isSupportedOutboundSchema(schema: string): schema is OutboundSchema {
  return (SUPPORTED_OUTBOUND_SCHEMAS as readonly string[]).includes(schema);
}

/** The data need's schemas this hub sends, in the data need's order, each once. */
export function supportedSchemas(need: Pick<OutboundDataNeed, "schemas">): OutboundSchema[] {
  return [...new Set(need.schemas.filter(isSupportedOutboundSchema))];
}

/** The data need's schemas this hub cannot send (they are left out; the others are still sent). */
export function unsupportedSchemas(need: Pick<OutboundDataNeed, "schemas">): string[] {
  return [...new Set(need.schemas.filter((schema) => !isSupportedOutboundSchema(schema)))];
}

/** The last topic level a schema is published under: the schema id in lower case (AiidaSchema.topicName). */
export function schemaTopicName(schema: string): string {
  return schema.toLowerCase();
}

/** True when the data need wants values of this OBIS code (an empty dataTags list wants everything). */
export function wantsDataTag(need: Pick<OutboundDataNeed, "dataTags">, obisCode: string): boolean {
  return need.dataTags.length === 0 || need.dataTags.includes(obisCode);
}
