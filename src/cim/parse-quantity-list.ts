import type { DataSourceRole } from "../domain/data-source-role.ts";
import { quantityName } from "../domain/quantity-name.ts";
import { indexPath, memberPath } from "./json-path.ts";
import { describeJson } from "./json-value.ts";
import { parseQuantity, quantityOrdinal } from "./parse-quantity.ts";
import type { CimProblem, ParsedQuantity } from "./parse-time-series.ts";

/**
 * Reads the Quantity array at `path`: returns the valid quantities in order, and adds the problems of the others
 * and of repeated types (the first valid one of a type wins) to `problems`. Unknown fields inside quantities are
 * added to `ignoredFields`; `role` names the quantities in sentences. Returns undefined when the list as a whole is unusable (missing, not an array, empty,
 * or nothing valid in it); the reason is then the last problem added.
 */
export function parseQuantityList(
  raw: unknown,
  path: string,
  problems: CimProblem[],
  ignoredFields: string[],
  role?: DataSourceRole,
): ParsedQuantity[] | undefined {
  if (raw === undefined) {
    const reason = "missing: a TimeSeries needs a Quantity (or quantities) array";
    return unusable(path, reason, "The message has no quantity list (Quantity).", problems);
  }
  if (!Array.isArray(raw)) {
    const reason = `expected an array of quantities, got ${describeJson(raw)}`;
    return unusable(path, reason, "The quantity list (Quantity) must be an array.", problems);
  }
  if (raw.length === 0) {
    const reason = "expected at least one quantity, got an empty array";
    return unusable(path, reason, "The quantity list is empty: there is nothing to store.", problems);
  }

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
        // The type first: a name may hold parentheses of its own ("Grid import (total)").
        message: `${quantityOrdinal(index)} repeats type ${type.code}, ${quantityName(type, role)}; ${lowerFirst(quantityOrdinal(first))} was kept.`,
      });
      continue;
    }
    firstIndexOfType[type.code] = index;
    accepted.push(quantity);
  }
  if (accepted.length === 0) {
    const reason = `no valid quantity remained: all ${raw.length} were rejected`;
    const message =
      raw.length === 1
        ? "The only quantity could not be used."
        : `None of the ${raw.length} quantities could be used.`;
    return unusable(path, reason, message, problems);
  }
  return accepted;
}

function unusable(path: string, reason: string, message: string, problems: CimProblem[]): undefined {
  problems.push({ path, reason, message });
  return undefined;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
