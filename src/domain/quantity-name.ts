import type { UnitOfMeasurement } from "./obis-code.ts";
import type { QuantityType } from "./quantity-type.ts";

// Unit words at the end of (or before the phase in) a CIM name: the unit is said after the value instead.
const UNIT_WORDS = /_(KWH|KW|KVAR|V|A|HZ)(?=_IN_PHASE|$)/;
const NAME_FIXES: ReadonlyArray<readonly [RegExp, string]> = [
  [/POWERFACTOR/, "POWER_FACTOR"],
  [/_IN_PHASE_NEUTRAL$/, "_IN_THE_NEUTRAL"],
];

/** The CIM name as words: "INSTANTANEOUS_VOLTAGE_V_IN_PHASE_L1" → "Instantaneous voltage in phase L1". */
function wordsOf(cimName: string): string {
  let name = cimName.replace(UNIT_WORDS, "");
  for (const [pattern, replacement] of NAME_FIXES) name = name.replace(pattern, replacement);
  const words = name.split("_").map((w) => (/^L\d$/.test(w) ? w : w.toLowerCase()));
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const names = new Map<number, string>();

/**
 * What a quantity is called in sentences for people ("Instantaneous active power consumption"). The one
 * place that names a quantity: once data sources have roles (grid meter, inverter), "Grid import" for a
 * grid meter's consumption belongs here.
 */
export function quantityName(type: QuantityType): string {
  let name = names.get(type.code);
  if (name === undefined) {
    name = wordsOf(type.name);
    names.set(type.code, name);
  }
  return name;
}

/** The unit written after a value: "kW", "V"; empty for a plain ratio such as the power factor. */
export function unitText(unit: UnitOfMeasurement): string {
  return unit === "none" || unit === "unknown" ? "" : unit;
}
