import { indexPath, memberPath } from "../cim/json-path.ts";
import type { ParsedTimeSeries } from "../cim/parse-time-series.ts";
import type { DataSource } from "../domain/data-source.ts";
import type { DataSourceRole } from "../domain/data-source-role.ts";
import { numberText } from "../domain/number-text.ts";
import {
  defaultRangeOfType,
  likelyUnitSlip,
  type PlausibleRange,
  plausibleRange,
  quantityKindOf,
} from "../domain/plausibility.ts";
import { quantityName, unitText } from "../domain/quantity-name.ts";
import type { QuantityType } from "../domain/quantity-type.ts";
import type { FeedbackWarning } from "../storage/ports.ts";

// Shared by every message whose values are all plausible, so the common case allocates nothing.
const NONE: readonly FeedbackWarning[] = Object.freeze([]);

/** A warning for each stored value outside the plausible range of its quantity for this data source. */
export function plausibilityWarnings(
  source: Pick<DataSource, "plausibility" | "role">,
  series: ParsedTimeSeries,
): readonly FeedbackWarning[] {
  let warnings: FeedbackWarning[] | undefined;
  for (const q of series.quantities) {
    const range =
      source.plausibility === null
        ? defaultRangeOfType(q.type.code)
        : plausibleRange(q.type.obis.code, source.plausibility);
    if (range === undefined || (q.value >= range.min && q.value <= range.max)) continue;
    const unit = unitText(q.type.obis.unit);
    // Whether the end the value crossed is the data source's own rather than the household default.
    const override = source.plausibility?.[q.type.obis.code];
    const own = (q.value > range.max ? override?.max : override?.min) !== undefined;
    warnings ??= [];
    warnings.push({
      path: memberPath(indexPath(series.quantityListPath, q.index), "quantity"),
      reason: `${q.value} is outside the plausible range ${range.min}..${range.max}${unit ? ` ${unit}` : ""} of ${q.type.obis.code}${own ? " set for this data source" : ""}: stored`,
      message: sentence(q.type, source.role, q.value, range, own),
      plausibility: { obis: q.type.obis.code, value: q.value, unit, min: range.min, max: range.max },
    });
  }
  return warnings ?? NONE;
}

/** The warning for people: name, value and unit, what is odd about it, and the likely cause. */
function sentence(
  type: QuantityType,
  role: DataSourceRole,
  value: number,
  range: PlausibleRange,
  own: boolean,
): string {
  const unit = unitText(type.obis.unit);
  const amount = (n: number) => (unit ? `${numberText(n)} ${unit}` : numberText(n));
  const what = `${quantityName(type, role)} ${amount(value)}`;
  if (value < range.min) {
    return `${what} is below the ${amount(range.min)} expected at least — is it the right register and unit? Stored all the same.`;
  }
  const kind = quantityKindOf(type.obis.code);
  const how =
    own || kind === undefined
      ? `more than the ${amount(range.max)} set for this data source`
      : `${kind.farAbove} (at most ${amount(range.max)} expected)`;
  const slip = likelyUnitSlip(value, type.obis.unit, range);
  const ask = slip
    ? `does the device send ${slip} instead of ${unit}?`
    : "is it the right register and unit?";
  return `${what} is ${how} — ${ask} Stored all the same.`;
}
