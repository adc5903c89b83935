import { indexPath, memberPath } from "./json-path.ts";
import { describeJson } from "./json-value.ts";
import { parseQuantity } from "./parse-quantity.ts";
import type { CimProblem, ParsedQuantity } from "./parse-time-series.ts";

/** The usable quantities of a message, the problems of the others, and whether the list as a whole failed. */
export interface QuantityList {
  readonly accepted: readonly ParsedQuantity[];
  readonly problems: readonly CimProblem[];
  /** Set when the list as a whole is unusable: missing, not an array, empty, or nothing valid in it. */
  readonly fatal: CimProblem | undefined;
}

/**
 * Reads the Quantity array at `path`: keeps valid quantities in order, reports invalid ones and repeated types
 * (the first valid one of a type wins). Unknown fields inside quantities are added to `ignoredFields`.
 */
export function parseQuantityList(raw: unknown, path: string, ignoredFields: string[]): QuantityList {
  const unusable = (reason: string): QuantityList => ({
    accepted: [],
    problems: [],
    fatal: { path, reason },
  });
  if (raw === undefined) return unusable("missing: a TimeSeries needs a Quantity (or quantities) array");
  if (!Array.isArray(raw)) return unusable(`expected an array of quantities, got ${describeJson(raw)}`);
  if (raw.length === 0) return unusable("expected at least one quantity, got an empty array");

  const accepted: ParsedQuantity[] = [];
  const problems: CimProblem[] = [];
  const firstPathOfType = new Map<number, string>();
  raw.forEach((element: unknown, index) => {
    const elementPath = indexPath(path, index);
    const outcome = parseQuantity(element, elementPath, ignoredFields);
    if (!outcome.ok) {
      problems.push(...outcome.problems);
      return;
    }
    const { type } = outcome.quantity;
    const first = firstPathOfType.get(type.code);
    if (first !== undefined) {
      problems.push({
        path: memberPath(elementPath, "type"),
        reason: `duplicate quantity type ${type.code} (${type.name}): the one at ${first} is kept`,
      });
      return;
    }
    firstPathOfType.set(type.code, elementPath);
    accepted.push(outcome.quantity);
  });
  const fatal =
    accepted.length > 0
      ? undefined
      : { path, reason: `no valid quantity remained: all ${raw.length} were rejected` };
  return { accepted, problems, fatal };
}
