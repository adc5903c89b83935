import { indexPath, memberPath } from "./json-path.ts";
import { describeJson } from "./json-value.ts";
import { parseQuantity } from "./parse-quantity.ts";
import type { CimProblem, ParsedQuantity } from "./parse-time-series.ts";

/**
 * Reads the Quantity array at `path`: returns the valid quantities in order, and adds the problems of the others
 * and of repeated types (the first valid one of a type wins) to `problems`. Unknown fields inside quantities are
 * added to `ignoredFields`. Returns undefined when the list as a whole is unusable (missing, not an array, empty,
 * or nothing valid in it); the reason is then the last problem added.
 */
export function parseQuantityList(
  raw: unknown,
  path: string,
  problems: CimProblem[],
  ignoredFields: string[],
): ParsedQuantity[] | undefined {
  if (raw === undefined) {
    return unusable(path, "missing: a TimeSeries needs a Quantity (or quantities) array", problems);
  }
  if (!Array.isArray(raw)) {
    return unusable(path, `expected an array of quantities, got ${describeJson(raw)}`, problems);
  }
  if (raw.length === 0) return unusable(path, "expected at least one quantity, got an empty array", problems);

  const accepted: ParsedQuantity[] = [];
  // Element index of the first accepted quantity of each type code, for naming it in a duplicate's problem.
  const firstIndexOfType: number[] = [];
  for (let index = 0; index < raw.length; index++) {
    const quantity = parseQuantity(raw[index], path, index, problems, ignoredFields);
    if (quantity === undefined) continue;
    const { type } = quantity;
    const first = firstIndexOfType[type.code];
    if (first !== undefined) {
      problems.push({
        path: memberPath(indexPath(path, index), "type"),
        reason: `duplicate quantity type ${type.code} (${type.name}): the one at ${indexPath(path, first)} is kept`,
      });
      continue;
    }
    firstIndexOfType[type.code] = index;
    accepted.push(quantity);
  }
  if (accepted.length === 0) {
    return unusable(path, `no valid quantity remained: all ${raw.length} were rejected`, problems);
  }
  return accepted;
}

function unusable(path: string, reason: string, problems: CimProblem[]): undefined {
  problems.push({ path, reason });
  return undefined;
}
