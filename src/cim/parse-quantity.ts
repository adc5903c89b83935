import { QUALITIES, type QuantityType, quantityTypeByCode } from "../domain/quantity-type.ts";
import { memberPath } from "./json-path.ts";
import { describeJson, isJsonObject, ownField, showPrimitive } from "./json-value.ts";
import type { CimProblem, ParsedQuantity } from "./parse-time-series.ts";

/** One element of the Quantity array: usable, or the problems that make it unusable. */
export type QuantityOutcome =
  | { readonly ok: true; readonly quantity: ParsedQuantity }
  | { readonly ok: false; readonly problems: readonly CimProblem[] };

const KNOWN_FIELDS: ReadonlySet<string> = new Set(["quantity", "type", "quality"]);
// What java.math.BigDecimal(String) accepts, which is how AIIDA coerces a string quantity.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
// "0".."35" written canonically: no sign, no leading zero, no spaces.
const TYPE_CODE = /^(?:0|[1-9]\d?)$/;
const DEFAULT_QUALITY = "AS_PROVIDED";
const qualityNames: ReadonlyMap<string, string> = new Map(
  QUALITIES.flatMap((q) => [
    [q.name, q.name],
    [q.code, q.name],
  ]),
);

/** Reads one Quantity element at `path`; its unknown fields are added to `ignoredFields`. */
export function parseQuantity(element: unknown, path: string, ignoredFields: string[]): QuantityOutcome {
  if (!isJsonObject(element)) {
    return {
      ok: false,
      problems: [{ path, reason: `expected a quantity object, got ${describeJson(element)}` }],
    };
  }
  for (const key of Object.keys(element)) {
    if (!KNOWN_FIELDS.has(key)) ignoredFields.push(memberPath(path, key));
  }
  const problems: CimProblem[] = [];
  const value = readValue(ownField(element, "quantity"), memberPath(path, "quantity"), problems);
  const type = readType(ownField(element, "type"), memberPath(path, "type"), problems);
  const quality = readQuality(ownField(element, "quality"), memberPath(path, "quality"), problems);
  if (value === undefined || type === undefined || quality === undefined) return { ok: false, problems };
  return { ok: true, quantity: { type, value, quality } };
}

function readValue(raw: unknown, path: string, problems: CimProblem[]): number | undefined {
  if (raw === undefined) {
    problems.push({ path, reason: "missing: every quantity needs a value" });
    return undefined;
  }
  let value: number;
  if (typeof raw === "number") value = raw;
  else if (typeof raw === "string" && DECIMAL.test(raw)) value = Number(raw);
  else {
    problems.push({
      path,
      reason: `expected a number or a decimal string such as "1.5e3", got ${describeJson(raw)}`,
    });
    return undefined;
  }
  // JSON.parse turns 1e400 into Infinity; storing it would claim a reading no meter made.
  if (!Number.isFinite(value)) {
    problems.push({ path, reason: `${showPrimitive(raw)} is too large for a 64-bit floating-point number` });
    return undefined;
  }
  // -0 would survive into storage and print as "-0" in some places; it means the same as 0.
  return value === 0 ? 0 : value;
}

function readType(raw: unknown, path: string, problems: CimProblem[]): QuantityType | undefined {
  if (raw === undefined) {
    problems.push({ path, reason: 'missing: every quantity needs a type "0".."35"' });
    return undefined;
  }
  let type: QuantityType | undefined;
  if (typeof raw === "string" && TYPE_CODE.test(raw)) type = quantityTypeByCode(Number(raw));
  else if (typeof raw === "number") type = quantityTypeByCode(raw);
  if (type === undefined) {
    const what = typeof raw === "string" || typeof raw === "number" ? showPrimitive(raw) : describeJson(raw);
    problems.push({
      path,
      reason: `unknown quantity type ${what}: expected "0".."35" (CIM v1.12 QuantityTypeKind)`,
    });
  }
  return type;
}

function readQuality(raw: unknown, path: string, problems: CimProblem[]): string | undefined {
  // Absent or null: AIIDA's own devices and docs treat AS_PROVIDED as the normal case.
  if (raw === undefined || raw === null) return DEFAULT_QUALITY;
  const name = typeof raw === "string" ? qualityNames.get(raw) : undefined;
  if (name === undefined) {
    const what = typeof raw === "string" ? showPrimitive(raw) : describeJson(raw);
    problems.push({
      path,
      reason: `unknown quality ${what}: expected a name such as AS_PROVIDED or a code such as A04`,
    });
  }
  return name;
}
