import type { DataSourceRole } from "../domain/data-source-role.ts";
import { durationText } from "../domain/duration-text.ts";
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
  /** For experts: what exactly is wrong, quoting the value. */
  readonly reason: string;
  /** For people: one plain sentence ("The timestamp is 32 days in the future — is the device's clock set?"). */
  readonly message: string;
}

/** One accepted quantity of a TimeSeries. */
export interface ParsedQuantity {
  /** Its position in the message's quantity list, for locating it in feedback. */
  readonly index: number;
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
  /** The JSON path of the quantity list as the message spells it (`$.Quantity` or `$.quantities`). */
  readonly quantityListPath: string;
  /** Why the other quantities were left out; the rest of the message was still accepted. */
  readonly problems: readonly CimProblem[];
  /** JSON paths of unknown fields that were ignored. */
  readonly ignoredFields: readonly string[];
  /** Things that were accepted but look wrong, such as a timestamp weeks old. */
  readonly warnings: readonly CimProblem[];
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
  /** How far a device timestamp may lie behind `now` before the message is refused. */
  readonly maxPastMs: number;
  /** How far behind `now` an accepted device timestamp may lie before a warning says so. */
  readonly pastWarningMs: number;
  /** The data source's role, so that sentences call its quantities by their plain names ("Grid import"). */
  readonly role?: DataSourceRole;
}

const DAY_MS = 86_400_000;
const EXAMPLE_TIME = "2025-06-24T08:00:00Z";
// Shared by every message without warnings, so the common case allocates nothing for them.
const NO_WARNINGS: readonly CimProblem[] = Object.freeze([]);

type Field = "version" | "resource" | "dateTime" | "quantities" | "accountingPoint";

/** One name a top-level field may be sent under, with its JSON path (built once, not per message). */
interface Spelling {
  readonly field: Field;
  readonly key: string;
  readonly path: string;
}

function spelling(field: Field, key: string): Spelling {
  return { field, key, path: memberPath("$", key) };
}

// The names AIIDA parses; a field the message leaves out is reported under these.
const AIIDA_SPELLINGS: Readonly<Record<Field, Spelling>> = {
  version: spelling("version", "version"),
  resource: spelling("resource", "registeredResource.mRID"),
  dateTime: spelling("dateTime", "dateAndOrTime.dateTime"),
  quantities: spelling("quantities", "Quantity"),
  accountingPoint: spelling("accountingPoint", "AccountingPoint"),
};

// AIIDA itself parses only the dotted names; its docs show the camelCase ones, so devices may send either.
const SPELLINGS: ReadonlyMap<string, Spelling> = new Map(
  [
    ...Object.values(AIIDA_SPELLINGS),
    spelling("resource", "registeredResourceMRID"),
    spelling("dateTime", "dateAndOrTimeDateTime"),
    spelling("quantities", "quantities"),
  ].map((s) => [s.key, s]),
);

/** What each field is called in sentences for people. */
const FIELD_WORDS: Readonly<Record<Field, string>> = {
  version: "version",
  resource: "meter id (registeredResource.mRID)",
  dateTime: "timestamp",
  quantities: "quantity list",
  accountingPoint: "accounting point",
};

/** The spelling of each known field that a message uses; undefined for fields it does not send. */
type SpellingsUsed = Record<Field, Spelling | undefined>;

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
  if (!decoded.ok) return refuse([{ path: "$", reason: decoded.reason, message: decoded.message }], []);
  const root = decoded.value;
  if (!isJsonObject(root)) {
    const message = `The message is ${articled(jsonTypeOf(root))}, not a JSON object with a Quantity list.`;
    return refuse([{ path: "$", reason: `expected an object, got ${jsonTypeOf(root)}`, message }], []);
  }

  const problems: CimProblem[] = [];
  const ignoredFields: string[] = [];
  const used = spellingsUsed(root, problems, ignoredFields);
  // Each field is read under the spelling the message used; a missing one is reported under AIIDA's.
  const version = used.version ?? AIIDA_SPELLINGS.version;
  checkVersion(ownField(root, version.key), version.path, problems);
  const mrid = used.resource ?? AIIDA_SPELLINGS.resource;
  const resource = parseResource(ownField(root, mrid.key), mrid.path, problems, ignoredFields);
  const dateTime = used.dateTime ?? AIIDA_SPELLINGS.dateTime;
  const timestamp = readTimestamp(ownField(root, dateTime.key), dateTime.path, options, problems);
  // Every problem so far refuses the message; the quantity list's own problems come after them.
  const refusing = problems.length > 0;
  const list = used.quantities ?? AIIDA_SPELLINGS.quantities;
  const quantities = parseQuantityList(
    ownField(root, list.key),
    list.path,
    problems,
    ignoredFields,
    options.role,
  );

  if (refusing || quantities === undefined) return refuse(problems, ignoredFields);
  const warnings =
    timestamp !== undefined && options.now - timestamp > options.pastWarningMs
      ? [pastWarning(ownField(root, dateTime.key), dateTime.path, options.now - timestamp)]
      : NO_WARNINGS;
  return {
    ok: true,
    series: {
      timestamp,
      resource,
      quantities,
      quantityListPath: list.path,
      problems,
      ignoredFields,
      warnings,
    },
  };
}

/** Which spelling the message uses for each known field; unknown keys are ignored, a second spelling is fatal. */
function spellingsUsed(root: JsonObject, problems: CimProblem[], ignoredFields: string[]): SpellingsUsed {
  const used: SpellingsUsed = {
    version: undefined,
    resource: undefined,
    dateTime: undefined,
    quantities: undefined,
    accountingPoint: undefined,
  };
  for (const key of Object.keys(root)) {
    const known = SPELLINGS.get(key);
    if (known === undefined) {
      ignoredFields.push(memberPath("$", key));
      continue;
    }
    const first = used[known.field];
    if (first === undefined) {
      used[known.field] = known;
      continue;
    }
    problems.push({
      path: known.path,
      reason: `duplicate of ${first.path}: send each field in one spelling only`,
      message: `The ${FIELD_WORDS[known.field]} is sent twice (as ${first.key} and ${known.key}); send it once.`,
    });
  }
  return used;
}

function refuse(problems: readonly CimProblem[], ignoredFields: readonly string[]): ParseTimeSeriesResult {
  return { ok: false, problems, ignoredFields };
}

type Decoded =
  | { readonly ok: true; readonly value: unknown }
  | ({ readonly ok: false } & Omit<CimProblem, "path">);

function decodeJson(payload: Uint8Array | string): Decoded {
  let text: string;
  if (typeof payload === "string") text = payload;
  // Checked at run time too: JavaScript callers may pass anything.
  else if (payload instanceof Uint8Array) {
    try {
      text = utf8.decode(payload);
    } catch {
      return { ok: false, reason: "not valid UTF-8", message: "The message is not valid UTF-8 text." };
    }
  } else {
    const reason = `expected bytes or a string, got ${jsonTypeOf(payload)}`;
    return { ok: false, reason, message: "The message could not be read as text." };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const reason = `not valid JSON: ${error instanceof Error ? error.message : "unreadable"}`;
    return { ok: false, reason, message: "The message is not valid JSON." };
  }
}

function checkVersion(raw: unknown, path: string, problems: CimProblem[]): void {
  // AIIDA ignores the value; a number is tolerated because Jackson would coerce it into the String field.
  if (raw === undefined || raw === null || typeof raw === "string" || typeof raw === "number") return;
  problems.push({
    path,
    reason: `expected a version string such as "1.0", got ${describeJson(raw)}`,
    message: 'The version must be text such as "1.0".',
  });
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
    problems.push({
      path,
      reason: `expected an ISO-8601 date-time string, got ${describeJson(raw)}`,
      message: `The timestamp must be text such as "${EXAMPLE_TIME}".`,
    });
    return undefined;
  }
  const parsed = parseCimDateTime(raw);
  if (!parsed.ok) {
    const message = `The timestamp is not a date and time with a zone such as "${EXAMPLE_TIME}".`;
    problems.push({ path, reason: parsed.reason, message });
    return undefined;
  }
  const ahead = parsed.epochMs - options.now;
  if (ahead > options.maxFutureMs) {
    problems.push({
      path,
      reason: `${showPrimitive(raw)} is ${ahead / 1000} s in the future (at most ${options.maxFutureMs / 1000} s allowed)`,
      message: `The timestamp is ${durationText(ahead)} in the future — is the device's clock set?`,
    });
    return undefined;
  }
  const age = options.now - parsed.epochMs;
  if (age > options.maxPastMs) {
    const oldest = new Date(options.now - options.maxPastMs).toISOString();
    problems.push({
      path,
      reason: `${showPrimitive(raw)} is more than ${days(options.maxPastMs)} days in the past (the oldest accepted is ${oldest})`,
      message: `The timestamp is ${durationText(age)} old, older than the hub keeps data (${days(options.maxPastMs)} days) — is the device's clock set?`,
    });
    return undefined;
  }
  return parsed.epochMs;
}

/** The warning on a timestamp that was accepted although it lies `ageMs` in the past. */
function pastWarning(raw: unknown, path: string, ageMs: number): CimProblem {
  const wholeDays = Math.floor(ageMs / DAY_MS).toLocaleString("en-US");
  return {
    path,
    reason: `${showPrimitive(raw)} is ${wholeDays} days in the past: stored, but check the device's clock unless it sends old readings on purpose`,
    message: `The timestamp is ${durationText(ageMs)} old. The values were stored; is the device's clock set, or does it send old readings on purpose?`,
  };
}

/** "an array", "a number": a JSON type with its article. */
function articled(type: string): string {
  if (type === "null") return "null";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** A duration in days, grouped for reading (36,500). */
function days(ms: number): string {
  return (ms / DAY_MS).toLocaleString("en-US", { maximumFractionDigits: 3 });
}
