import type { QuantityType } from "../domain/quantity-type.ts";
import { memberPath } from "./json-path.ts";
import {
  describeJson,
  isJsonObject,
  type JsonObject,
  jsonTypeOf,
  ownField,
  showPrimitive,
} from "./json-value.ts";
import { parseCimDateTime } from "./parse-cim-date-time.ts";
import { parseQuantityList } from "./parse-quantity-list.ts";
import { parseResource } from "./parse-resource.ts";

/** Something wrong in a message, located by a JSON path such as `$.Quantity[1].type` or `$['dateAndOrTime.dateTime']`. */
export interface CimProblem {
  readonly path: string;
  readonly reason: string;
}

/** One accepted quantity of a TimeSeries. */
export interface ParsedQuantity {
  readonly type: QuantityType;
  readonly value: number;
  /** Always the quality NAME (e.g. AS_PROVIDED), even when the device sent the code (A04). */
  readonly quality: string;
}

/** A TimeSeries message that was accepted, possibly with some of its quantities left out. */
export interface ParsedTimeSeries {
  /** Device time in epoch milliseconds; undefined when the message carries none. */
  readonly timestamp: number | undefined;
  /** The registeredResource mRID, when given. */
  readonly resource: { readonly value: string; readonly codingScheme: string | undefined } | undefined;
  /** The valid quantities, in message order. */
  readonly quantities: readonly ParsedQuantity[];
  /** Why the other quantities were left out; the rest of the message was still accepted. */
  readonly problems: readonly CimProblem[];
  /** JSON paths of unknown fields that were ignored. */
  readonly ignoredFields: readonly string[];
}

/** The parsed message, or every problem that made it unusable. */
export type ParseTimeSeriesResult =
  | { readonly ok: true; readonly series: ParsedTimeSeries }
  | {
      readonly ok: false;
      readonly problems: readonly CimProblem[];
      readonly ignoredFields: readonly string[];
    };

/** Settings of {@link parseTimeSeries}. */
export interface ParseTimeSeriesOptions {
  /** The current time, epoch milliseconds. */
  readonly now: number;
  /** How far a device timestamp may lie ahead of `now` (device clocks drift) before the message is refused. */
  readonly maxFutureMs: number;
}

type Field = "version" | "resource" | "dateTime" | "quantities" | "accountingPoint";

// AIIDA itself parses only the dotted names; its docs show the camelCase ones, so devices may send either.
const SPELLINGS: ReadonlyMap<string, Field> = new Map<string, Field>([
  ["version", "version"],
  ["registeredResource.mRID", "resource"],
  ["registeredResourceMRID", "resource"],
  ["dateAndOrTime.dateTime", "dateTime"],
  ["dateAndOrTimeDateTime", "dateTime"],
  ["Quantity", "quantities"],
  ["quantities", "quantities"],
  ["AccountingPoint", "accountingPoint"],
]);

// fatal: invalid bytes must refuse the message instead of silently becoming U+FFFD.
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses one CIM v1.12 RTD TimeSeries message as a device publishes it (UTF-8 JSON, dotted or camelCase names).
 * Invalid quantities are left out and reported; anything else wrong refuses the whole message. Never throws.
 */
export function parseTimeSeries(
  payload: Uint8Array | string,
  options: ParseTimeSeriesOptions,
): ParseTimeSeriesResult {
  const decoded = decodeJson(payload);
  if (!decoded.ok) return refuse([{ path: "$", reason: decoded.reason }], []);
  const root = decoded.value;
  if (!isJsonObject(root))
    return refuse([{ path: "$", reason: `expected an object, got ${jsonTypeOf(root)}` }], []);

  const fatal: CimProblem[] = [];
  const ignoredFields: string[] = [];
  const keys = spellingsUsed(root, fatal, ignoredFields);
  const located = (name: Field, dottedKey: string) => {
    const key = keys.get(name);
    const raw = key === undefined ? undefined : ownField(root, key);
    // Paths use the spelling the device sent; the dotted one when the field is missing.
    return { raw, path: memberPath("$", key ?? dottedKey) };
  };

  const version = located("version", "version");
  checkVersion(version.raw, version.path, fatal);
  const resourceField = located("resource", "registeredResource.mRID");
  const resource = parseResource(resourceField.raw, resourceField.path, fatal, ignoredFields);
  const dateTime = located("dateTime", "dateAndOrTime.dateTime");
  const timestamp = readTimestamp(dateTime.raw, dateTime.path, options, fatal);
  const list = located("quantities", "Quantity");
  const quantities = parseQuantityList(list.raw, list.path, ignoredFields);

  const listProblems = quantities.fatal === undefined ? [] : [quantities.fatal];
  if (fatal.length > 0 || quantities.fatal !== undefined) {
    return refuse([...fatal, ...quantities.problems, ...listProblems], ignoredFields);
  }
  return {
    ok: true,
    series: {
      timestamp,
      resource,
      quantities: quantities.accepted,
      problems: quantities.problems,
      ignoredFields,
    },
  };
}

/** Which key the message uses for each known field; unknown keys are ignored, a second spelling is fatal. */
function spellingsUsed(root: JsonObject, fatal: CimProblem[], ignoredFields: string[]): Map<Field, string> {
  const keys = new Map<Field, string>();
  for (const key of Object.keys(root)) {
    const field = SPELLINGS.get(key);
    if (field === undefined) {
      ignoredFields.push(memberPath("$", key));
      continue;
    }
    const first = keys.get(field);
    if (first === undefined) {
      keys.set(field, key);
      continue;
    }
    fatal.push({
      path: memberPath("$", key),
      reason: `duplicate of ${memberPath("$", first)}: send each field in one spelling only`,
    });
  }
  return keys;
}

function refuse(problems: readonly CimProblem[], ignoredFields: readonly string[]): ParseTimeSeriesResult {
  return { ok: false, problems, ignoredFields };
}

type Decoded =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: string };

function decodeJson(payload: Uint8Array | string): Decoded {
  let text: string;
  if (typeof payload === "string") text = payload;
  // Checked at run time too: JavaScript callers may pass anything.
  else if (payload instanceof Uint8Array) {
    try {
      text = utf8.decode(payload);
    } catch {
      return { ok: false, reason: "not valid UTF-8" };
    }
  } else return { ok: false, reason: `expected bytes or a string, got ${jsonTypeOf(payload)}` };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, reason: `not valid JSON: ${error instanceof Error ? error.message : "unreadable"}` };
  }
}

function checkVersion(raw: unknown, path: string, problems: CimProblem[]): void {
  // AIIDA ignores the value; a number is tolerated because Jackson would coerce it into the String field.
  if (raw === undefined || raw === null || typeof raw === "string" || typeof raw === "number") return;
  problems.push({ path, reason: `expected a version string such as "1.0", got ${describeJson(raw)}` });
}

function readTimestamp(
  raw: unknown,
  path: string,
  options: ParseTimeSeriesOptions,
  problems: CimProblem[],
): number | undefined {
  // null counts as absent, as in AIIDA (Jackson leaves the field null): the caller then uses the receipt time.
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "string") {
    problems.push({ path, reason: `expected an ISO-8601 date-time string, got ${describeJson(raw)}` });
    return undefined;
  }
  const parsed = parseCimDateTime(raw);
  if (!parsed.ok) {
    problems.push({ path, reason: parsed.reason });
    return undefined;
  }
  const ahead = parsed.epochMs - options.now;
  if (ahead > options.maxFutureMs) {
    problems.push({
      path,
      reason: `${showPrimitive(raw)} is ${ahead / 1000} s in the future (at most ${options.maxFutureMs / 1000} s allowed)`,
    });
    return undefined;
  }
  return parsed.epochMs;
}
