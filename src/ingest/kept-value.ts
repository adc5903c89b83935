import type { ParsedQuantity } from "../cim/parse-time-series.ts";
import { numberText } from "../domain/number-text.ts";
import { quantityName, unitText } from "../domain/quantity-name.ts";
import type { KeptValue } from "../storage/ports.ts";

/** A stored value as a feedback report lists it: "Instantaneous active power consumption 2.5 kW". */
export function keptValue(q: ParsedQuantity): KeptValue {
  const name = quantityName(q.type);
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
