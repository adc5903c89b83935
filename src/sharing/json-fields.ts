import { indexPath, memberPath } from "../cim/json-path.ts";
import { describeJson, type JsonObject, ownField } from "../cim/json-value.ts";
import type { ProblemDetail } from "../domain/hub-error.ts";
import { isCanonicalUuid } from "../domain/uuid.ts";

/** Where a field is read from: its object, its name and the object's JSON path; problems are added to `problems`. */
export interface FieldSource {
  readonly object: JsonObject;
  readonly path: string;
  readonly problems: ProblemDetail[];
}

/** Reads member `key`; a missing member is reported and gives undefined. */
function present(source: FieldSource, key: string): unknown {
  const value = ownField(source.object, key);
  if (value === undefined || value === null) {
    source.problems.push({ path: memberPath(source.path, key), reason: "missing" });
    return undefined;
  }
  return value;
}

/** A string that is not empty or only white space. */
export function requiredText(source: FieldSource, key: string): string | undefined {
  const value = present(source, key);
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "") {
    source.problems.push({
      path: memberPath(source.path, key),
      reason: `expected a non-blank string, got ${describeJson(value)}`,
    });
    return undefined;
  }
  return value;
}

/** A string, or `fallback` when the member is absent or null. */
export function optionalText<F>(source: FieldSource, key: string, fallback: F): string | F {
  const value = ownField(source.object, key);
  if (value === undefined || value === null) return fallback;
  if (typeof value === "string") return value;
  source.problems.push({
    path: memberPath(source.path, key),
    reason: `expected a string, got ${describeJson(value)}`,
  });
  return fallback;
}

/** An identifier sent as a non-blank string or as a number (EDDIE's ids may be either), as text. */
export function requiredId(source: FieldSource, key: string): string | undefined {
  const value = present(source, key);
  if (value === undefined) return undefined;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string" && value.trim() !== "") return value;
  source.problems.push({
    path: memberPath(source.path, key),
    reason: `expected a non-blank string or a number, got ${describeJson(value)}`,
  });
  return undefined;
}

/** A canonical UUID (lower-case, 36 characters). */
export function requiredUuid(source: FieldSource, key: string): string | undefined {
  const value = present(source, key);
  if (value === undefined) return undefined;
  if (isCanonicalUuid(value)) return value;
  source.problems.push({ path: memberPath(source.path, key), reason: notUuid(value) });
  return undefined;
}

/** The reason for a value that should have been a canonical UUID. */
export function notUuid(value: unknown): string {
  return `not a UUID in canonical form (8-4-4-4-12 lower-case hex digits), got ${describeJson(value)}`;
}

/** A list of strings; `fallback` when the member is absent or null. Non-strings are reported and left out. */
export function optionalTextList<F>(source: FieldSource, key: string, fallback: F): string[] | F {
  const value = ownField(source.object, key);
  if (value === undefined || value === null) return fallback;
  const path = memberPath(source.path, key);
  if (!Array.isArray(value)) {
    source.problems.push({ path, reason: `expected an array of strings, got ${describeJson(value)}` });
    return fallback;
  }
  const texts: string[] = [];
  value.forEach((item: unknown, index) => {
    if (typeof item === "string") texts.push(item);
    else
      source.problems.push({
        path: indexPath(path, index),
        reason: `expected a string, got ${describeJson(item)}`,
      });
  });
  return texts;
}

/** A boolean, or `fallback` when the member is absent or null. */
export function optionalBoolean(source: FieldSource, key: string, fallback: boolean): boolean {
  const value = ownField(source.object, key);
  if (value === undefined || value === null) return fallback;
  if (typeof value === "boolean") return value;
  source.problems.push({
    path: memberPath(source.path, key),
    reason: `expected true or false, got ${describeJson(value)}`,
  });
  return fallback;
}
