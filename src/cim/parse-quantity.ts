import { QUANTITY_TYPES, type QuantityType, quantityTypeByCode } from "../domain/quantity-type.ts";
import { qualityNameOf } from "./cim-wire-values.ts";
import { isDecimalText } from "./decimal-text.ts";
import { indexPath, memberPath } from "./json-path.ts";
import { describeJson, isJsonObject, showPrimitive } from "./json-value.ts";
import type { CimProblem, ParsedQuantity } from "./parse-time-series.ts";

// A type sent as a string is known only as "0".."35" written canonically: no sign, no leading zero, no spaces.
const typeByText: ReadonlyMap<string, QuantityType> = new Map(QUANTITY_TYPES.map((t) => [String(t.code), t]));
const DEFAULT_QUALITY = "AS_PROVIDED";

/**
 * Reads element `index` of the Quantity array at `listPath`. Returns undefined when it is unusable, after adding
 * its problems to `problems`; its unknown fields are added to `ignoredFields` either way.
 */
export function parseQuantity(
  element: unknown,
  listPath: string,
  index: number,
  problems: CimProblem[],
  ignoredFields: string[],
): ParsedQuantity | undefined {
  if (!isJsonObject(element)) {
    const reason = `expected a quantity object, got ${describeJson(element)}`;
    const message = `${quantityOrdinal(index)} is not an object with quantity and type.`;
    problems.push({ path: indexPath(listPath, index), reason, message });
    return undefined;
  }
  // One pass over the own keys finds the fields and the unknown ones; the prototype chain is never read.
  let quantityRaw: unknown;
  let typeRaw: unknown;
  let qualityRaw: unknown;
  for (const key of Object.keys(element)) {
    if (key === "quantity") quantityRaw = element.quantity;
    else if (key === "type") typeRaw = element.type;
    else if (key === "quality") qualityRaw = element.quality;
    else ignoredFields.push(memberPath(indexPath(listPath, index), key));
  }
  // The readers get the list path and index, not a finished path: most quantities never need one.
  const value = readValue(quantityRaw, listPath, index, problems);
  const type = readType(typeRaw, listPath, index, problems);
  const quality = readQuality(qualityRaw, listPath, index, problems);
  if (value === undefined || type === undefined || quality === undefined) return undefined;
  return { index, type, value, quality };
}

/** How a quantity is named in sentences: "Quantity 3" for element 2 (people count from 1; the path has the index). */
export function quantityOrdinal(index: number): string {
  return `Quantity ${index + 1}`;
}

/** A problem with member `key` of element `index` of the list at `listPath`; `says` completes "Quantity 3 …". */
function fieldProblem(
  listPath: string,
  index: number,
  key: string,
  reason: string,
  says: string,
): CimProblem {
  return {
    path: memberPath(indexPath(listPath, index), key),
    reason,
    message: `${quantityOrdinal(index)} ${says}`,
  };
}

function readValue(
  raw: unknown,
  listPath: string,
  index: number,
  problems: CimProblem[],
): number | undefined {
  if (raw === undefined) {
    problems.push(
      fieldProblem(listPath, index, "quantity", "missing: every quantity needs a value", "has no value."),
    );
    return undefined;
  }
  let value: number;
  if (typeof raw === "number") value = raw;
  else if (typeof raw === "string" && isDecimalText(raw)) value = Number(raw);
  else {
    const reason = `expected a number or a decimal string such as "1.5e3", got ${describeJson(raw)}`;
    problems.push(fieldProblem(listPath, index, "quantity", reason, "has a value that is not a number."));
    return undefined;
  }
  // JSON.parse turns 1e400 into Infinity; storing it would claim a reading no meter made.
  if (!Number.isFinite(value)) {
    const reason = `${showPrimitive(raw)} is too large for a 64-bit floating-point number`;
    problems.push(fieldProblem(listPath, index, "quantity", reason, "has a value too large to store."));
    return undefined;
  }
  // -0 would survive into storage and print as "-0" in some places; it means the same as 0.
  return value === 0 ? 0 : value;
}

function readType(
  raw: unknown,
  listPath: string,
  index: number,
  problems: CimProblem[],
): QuantityType | undefined {
  if (raw === undefined) {
    problems.push(
      fieldProblem(listPath, index, "type", 'missing: every quantity needs a type "0".."35"', "has no type."),
    );
    return undefined;
  }
  let type: QuantityType | undefined;
  if (typeof raw === "string") type = typeByText.get(raw);
  else if (typeof raw === "number") type = quantityTypeByCode(raw);
  if (type === undefined) {
    const what = typeof raw === "string" || typeof raw === "number" ? showPrimitive(raw) : describeJson(raw);
    const reason = `unknown quantity type ${what}: expected "0".."35" (CIM v1.12 QuantityTypeKind)`;
    problems.push(
      fieldProblem(
        listPath,
        index,
        "type",
        reason,
        `has an unknown type ${what}; the types are "0" to "35".`,
      ),
    );
  }
  return type;
}

function readQuality(
  raw: unknown,
  listPath: string,
  index: number,
  problems: CimProblem[],
): string | undefined {
  // Absent or null: AIIDA's own devices and docs treat AS_PROVIDED as the normal case.
  if (raw === undefined || raw === null) return DEFAULT_QUALITY;
  const name = typeof raw === "string" ? qualityNameOf(raw) : undefined;
  if (name === undefined) {
    const what = typeof raw === "string" ? showPrimitive(raw) : describeJson(raw);
    const reason = `unknown quality ${what}: expected a name such as AS_PROVIDED or a code such as A04`;
    problems.push(
      fieldProblem(
        listPath,
        index,
        "quality",
        reason,
        `has an unknown quality ${what}; AS_PROVIDED is the usual one.`,
      ),
    );
  }
  return name;
}
