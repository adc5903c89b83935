import type { ParsedQuantity } from "../cim/parse-time-series.ts";
import type { DataSourceRole } from "../domain/data-source-role.ts";
import { numberText } from "../domain/number-text.ts";
import { quantityName, unitText } from "../domain/quantity-name.ts";
import type { KeptValue } from "../storage/ports.ts";

/** A stored value as a feedback report lists it, named for the data source's role: "Grid import 2.5 kW". */
export function keptValue(q: ParsedQuantity, role: DataSourceRole): KeptValue {
  const name = quantityName(q.type, role);
  const unit = unitText(q.type.obis.unit);
  const value = numberText(q.value);
  return {
    type: String(q.type.code),
    obis: q.type.obis.code,
    value: q.value,
    name,
    unit,
    text: unit ? `${name} ${value} ${unit}` : `${name} ${value}`,
  };
}
