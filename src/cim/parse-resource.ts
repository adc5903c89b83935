import { memberPath } from "./json-path.ts";
import { describeJson, isJsonObject, ownField } from "./json-value.ts";
import type { CimProblem, ParsedTimeSeries } from "./parse-time-series.ts";

const KNOWN_FIELDS: ReadonlySet<string> = new Set(["value", "codingScheme"]);

/**
 * Reads a `registeredResource.mRID` object `{ "value": string, "codingScheme"?: string }`.
 * Returns undefined when it is absent or malformed; a malformed one adds its problems to `problems`.
 */
export function parseResource(
  raw: unknown,
  path: string,
  problems: CimProblem[],
  ignoredFields: string[],
): ParsedTimeSeries["resource"] {
  // null counts as absent: AIIDA's own JSON writes nulls for fields it has no value for.
  if (raw === undefined || raw === null) return undefined;
  if (!isJsonObject(raw)) {
    problems.push({
      path,
      reason: `expected an object {"value": string, "codingScheme"?: string}, got ${describeJson(raw)}`,
      message:
        'The meter id (registeredResource.mRID) must be an object such as {"value": "AT00…", "codingScheme": "NAT"}.',
    });
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(key)) ignoredFields.push(memberPath(path, key));
  }
  const before = problems.length;
  const value = ownField(raw, "value");
  if (value === undefined) {
    problems.push({
      path: memberPath(path, "value"),
      reason: "missing: the mRID needs a value",
      message: "The meter id (registeredResource.mRID) has no value.",
    });
  } else if (typeof value !== "string") {
    problems.push({
      path: memberPath(path, "value"),
      reason: `expected a string, got ${describeJson(value)}`,
      message: "The meter id's value (registeredResource.mRID) must be text.",
    });
  }
  const codingScheme = ownField(raw, "codingScheme");
  // AIIDA writes "codingScheme": null for countries without a national scheme (Malta).
  if (codingScheme !== undefined && codingScheme !== null && typeof codingScheme !== "string") {
    problems.push({
      path: memberPath(path, "codingScheme"),
      reason: `expected a string such as "NAT", got ${describeJson(codingScheme)}`,
      message: 'The meter id\'s coding scheme must be text such as "NAT".',
    });
  }
  if (problems.length > before || typeof value !== "string") return undefined;
  return { value, codingScheme: typeof codingScheme === "string" ? codingScheme : undefined };
}
