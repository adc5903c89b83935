import { memberPath } from "../cim/json-path.ts";
import { describeJson, isJsonObject, type JsonObject, jsonTypeOf, ownField } from "../cim/json-value.ts";
import {
  OUTBOUND_AIIDA,
  type OutboundDataNeed,
  SUPPORTED_OUTBOUND_SCHEMAS,
  supportedSchemas,
  unsupportedSchemas,
} from "../domain/data-need.ts";
import { ASSETS, type Asset } from "../domain/data-source.ts";
import type { ProblemDetail } from "../domain/hub-error.ts";
import { obisByCode } from "../domain/obis-code.ts";
import { nextFireTime, parseSchedule } from "../platform/schedule.ts";
import {
  type FieldSource,
  optionalBoolean,
  optionalText,
  optionalTextList,
  requiredId,
  requiredText,
  requiredUuid,
} from "./json-fields.ts";

/** The permission's own terms, from EDDIE's handshake details. */
export interface PermissionTerms {
  readonly permissionId: string;
  /** EDDIE's connection id (text, whether EDDIE sent a string or a number). */
  readonly connectionId: string;
  readonly dataNeedId: string;
  /** null when EDDIE sent none (or a blank one). */
  readonly meterId: string | null;
  /** The first day, yyyy-MM-dd, as EDDIE sent it. */
  readonly startDate: string;
  /** The last day, yyyy-MM-dd, as EDDIE sent it. */
  readonly endDate: string;
  /** Start of the first day, 00:00:00.000 UTC, epoch ms. */
  readonly startTime: number;
  /**
   * End of the last day, 23:59:59.999 UTC, epoch ms: the whole last day belongs to the permission
   * (AIIDA uses 23:59:59.000 and so drops data of the day's last second).
   */
  readonly expirationTime: number;
  /** `eddie_id` when EDDIE sent one (AIIDA ignores it; the AIIDA code's eddieId is the one to use). */
  readonly eddieId: string | undefined;
}

/** What the handshake details say and whether this hub can fulfil them. */
export type PermissionDetailsOutcome =
  /** Not a details document at all (e.g. an error page's JSON): keep the permission CREATED and try again. */
  | { readonly outcome: "unreadable"; readonly problems: readonly ProblemDetail[] }
  /** Details that this hub cannot fulfil: the permission becomes UNFULFILLABLE and EDDIE is told so. */
  | {
      readonly outcome: "unfulfillable";
      readonly reasons: readonly ProblemDetail[];
      /** The terms and data need, where they could be read (for showing the user what was asked). */
      readonly terms: PermissionTerms | undefined;
      readonly dataNeed: OutboundDataNeed | undefined;
    }
  | {
      readonly outcome: "fulfillable";
      readonly terms: PermissionTerms;
      readonly dataNeed: OutboundDataNeed;
      /** Schemas of the data need this hub cannot format: they are not sent, the others are. */
      readonly unsupportedSchemas: readonly string[];
    };

export interface DetailsExpectation {
  /** The permission id the details were requested for. */
  readonly permissionId: string;
  /** Now, epoch ms: a permission whose last day is over cannot be fulfilled (one that started earlier can). */
  readonly now: number;
}

/**
 * Reads EDDIE's answer to the handshake GET, tolerantly: the permission's fields nested in
 * `permission_request` or flat at the top level; ids as strings or numbers; unknown fields (such as
 * `min_limit_kw`) ignored; no `dataTags` = all data. Then decides whether this hub can fulfil it.
 */
export function readPermissionDetails(body: unknown, expected: DetailsExpectation): PermissionDetailsOutcome {
  if (!isJsonObject(body)) return unreadable("$", `expected a JSON object, got ${jsonTypeOf(body)}`);
  const nested = ownField(body, "permission_request");
  const flat = nested === undefined || nested === null;
  if (flat && ownField(body, "permission_id") === undefined) {
    return unreadable("$", "neither permission_request nor permission_id: not a permission details document");
  }
  if (!flat && !isJsonObject(nested)) {
    return unreadable("$.permission_request", `expected an object, got ${describeJson(nested)}`);
  }
  const rawNeed = ownField(body, "data_need");
  if (!isJsonObject(rawNeed)) {
    const got =
      rawNeed === undefined || rawNeed === null
        ? "missing"
        : `expected an object, got ${describeJson(rawNeed)}`;
    return unreadable("$.data_need", got);
  }

  const reasons: ProblemDetail[] = [];
  const permissionSource: FieldSource = flat
    ? { object: body, path: "$", problems: reasons }
    : { object: nested as JsonObject, path: "$.permission_request", problems: reasons };
  const terms = readTerms(permissionSource, body, idText(ownField(rawNeed, "id")), expected);
  const dataNeed = readDataNeed({ object: rawNeed, path: "$.data_need", problems: reasons }, expected.now);
  if (terms !== undefined && dataNeed !== undefined && terms.dataNeedId !== dataNeed.id) {
    reasons.push({
      path: memberPath(permissionSource.path, "data_need_id"),
      reason: `names data need ${JSON.stringify(terms.dataNeedId)}, but data_need.id is ${JSON.stringify(dataNeed.id)}`,
    });
  }
  if (reasons.length > 0 || terms === undefined || dataNeed === undefined) {
    return { outcome: "unfulfillable", reasons, terms, dataNeed };
  }
  return { outcome: "fulfillable", terms, dataNeed, unsupportedSchemas: unsupportedSchemas(dataNeed) };
}

function unreadable(path: string, reason: string): PermissionDetailsOutcome {
  return { outcome: "unreadable", problems: [{ path, reason }] };
}

/** An id sent as a string or a number, as text; undefined for anything else. */
function idText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  return typeof value === "number" && Number.isFinite(value) ? String(value) : undefined;
}

function readTerms(
  source: FieldSource,
  body: JsonObject,
  dataNeedIdOfNeed: string | undefined,
  expected: DetailsExpectation,
): PermissionTerms | undefined {
  const reasons = source.problems;
  const before = reasons.length;
  const permissionId = requiredUuid(source, "permission_id");
  if (permissionId !== undefined && permissionId !== expected.permissionId) {
    reasons.push({
      path: memberPath(source.path, "permission_id"),
      reason: `the details are for permission ${permissionId}, but ${expected.permissionId} was asked for`,
    });
  }
  const connectionId = requiredId(source, "connection_id");
  const rawNeedId = ownField(source.object, "data_need_id");
  // Without data_need_id (as in some of EDDIE's own test data) the data need's id is the one.
  const dataNeedId =
    rawNeedId === undefined || rawNeedId === null ? undefined : requiredId(source, "data_need_id");
  const meterId = readMeterId(source);
  const start = readDate(source, "start", 0);
  const end = readDate(source, "end", 86_400_000 - 1);
  if (start !== undefined && end !== undefined && end.time < start.time) {
    reasons.push({
      path: memberPath(source.path, "end"),
      reason: `${end.text} is before the start ${start.text}`,
    });
  } else if (end !== undefined && end.time < expected.now) {
    reasons.push({ path: memberPath(source.path, "end"), reason: `the permission ended on ${end.text}` });
  }
  const eddieId = optionalText({ object: body, path: "$", problems: reasons }, "eddie_id", undefined);
  if (reasons.length > before || permissionId === undefined || connectionId === undefined) return undefined;
  if (start === undefined || end === undefined) return undefined;
  const needId = dataNeedId ?? dataNeedIdOfNeed;
  if (needId === undefined) return undefined; // the data need's own id is reported missing there
  return {
    permissionId,
    connectionId,
    dataNeedId: needId,
    meterId,
    startDate: start.text,
    endDate: end.text,
    startTime: start.time,
    expirationTime: end.time,
    eddieId,
  };
}

function readMeterId(source: FieldSource): string | null {
  const value = ownField(source.object, "meter_id");
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  const text = optionalText(source, "meter_id", null);
  return text === null || text.trim() === "" ? null : text;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A yyyy-MM-dd date as `offsetMs` after its midnight UTC. */
function readDate(
  source: FieldSource,
  key: string,
  offsetMs: number,
): { text: string; time: number } | undefined {
  const text = requiredText(source, key);
  if (text === undefined) return undefined;
  const match = DATE.exec(text);
  const [year, month, day] = match === null ? [] : match.slice(1).map(Number);
  const midnight = Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 0);
  const date = new Date(midnight);
  // Date.UTC rolls 2026-02-30 over into March: only a date that survives the round trip exists.
  if (
    match === null ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() + 1 !== month ||
    date.getUTCDate() !== day
  ) {
    source.problems.push({
      path: memberPath(source.path, key),
      reason: `expected a date yyyy-MM-dd, got ${describeJson(text)}`,
    });
    return undefined;
  }
  return { text, time: midnight + offsetMs };
}

function readDataNeed(source: FieldSource, now: number): OutboundDataNeed | undefined {
  const before = source.problems.length;
  const type = requiredText(source, "type");
  if (type === undefined) return undefined;
  if (type !== OUTBOUND_AIIDA) {
    source.problems.push({
      path: memberPath(source.path, "type"),
      reason: `data need type ${JSON.stringify(type)} is not supported: this hub only shares its data out (${OUTBOUND_AIIDA})`,
    });
    return undefined;
  }
  const id = requiredId(source, "id");
  const transmissionSchedule = readSchedule(source, now);
  const schemas = readSchemas(source);
  const asset = readAsset(source);
  const dataTags = readDataTags(source);
  const need = {
    id: id ?? "",
    type: OUTBOUND_AIIDA,
    name: optionalText(source, "name", ""),
    description: optionalText(source, "description", ""),
    purpose: optionalText(source, "purpose", ""),
    policyLink: optionalText(source, "policyLink", ""),
    transmissionSchedule: transmissionSchedule ?? "",
    schemas: schemas ?? [],
    asset: asset ?? "CONNECTION-AGREEMENT-POINT",
    dataTags,
    allowedPermissionCommands: optionalTextList(source, "allowedPermissionCommands", []),
    acknowledgementRequired: optionalBoolean(source, "acknowledgementRequired", false),
  } satisfies OutboundDataNeed;
  const contexts = optionalTextList(source, "contexts", undefined);
  if (source.problems.length > before) return undefined;
  return contexts === undefined ? need : { ...need, contexts };
}

function readSchedule(source: FieldSource, now: number): string | undefined {
  const text = requiredText(source, "transmissionSchedule");
  if (text === undefined) return undefined;
  const parsed = parseSchedule(text);
  const path = memberPath(source.path, "transmissionSchedule");
  if (!parsed.ok) {
    source.problems.push({ path, reason: `not a Spring cron expression with 6 fields: ${parsed.reason}` });
    return undefined;
  }
  if (nextFireTime(parsed.schedule, now) === undefined) {
    source.problems.push({ path, reason: `${JSON.stringify(text)} never fires (no such date)` });
    return undefined;
  }
  return text;
}

function readSchemas(source: FieldSource): string[] | undefined {
  const before = source.problems.length;
  const schemas = optionalTextList(source, "schemas", undefined);
  const path = memberPath(source.path, "schemas");
  if (source.problems.length > before) return undefined;
  if (schemas === undefined || schemas.length === 0) {
    source.problems.push({ path, reason: "no schema listed" });
    return undefined;
  }
  if (supportedSchemas({ schemas }).length === 0) {
    source.problems.push({
      path,
      reason: `none of ${quotedList(schemas)} is a schema this hub can send (${SUPPORTED_OUTBOUND_SCHEMAS.join(", ")})`,
    });
    return undefined;
  }
  return schemas;
}

function quotedList(texts: readonly string[]): string {
  return texts.map((text) => JSON.stringify(text)).join(", ");
}

function readAsset(source: FieldSource): Asset | undefined {
  const asset = requiredText(source, "asset");
  if (asset === undefined) return undefined;
  if ((ASSETS as readonly string[]).includes(asset)) return asset as Asset;
  source.problems.push({
    path: "$.data_need.asset",
    reason: `${JSON.stringify(asset)} is not an AIIDA asset (${ASSETS.join(", ")})`,
  });
  return undefined;
}

function readDataTags(source: FieldSource): string[] {
  const tags = optionalTextList(source, "dataTags", []);
  if (tags.length > 0 && !tags.some((tag) => obisByCode(tag) !== undefined)) {
    source.problems.push({
      path: memberPath(source.path, "dataTags"),
      reason: `none of ${quotedList(tags)} is an OBIS code this hub measures, so nothing could ever be sent`,
    });
  }
  return tags;
}
