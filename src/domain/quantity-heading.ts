import type { DataSourceRole } from "./data-source-role.ts";
import type { ObisCodeEntry } from "./obis-code.ts";
import { quantityName, unitText } from "./quantity-name.ts";
import { quantityTypeByObis } from "./quantity-type.ts";

/** Words for a catalogue name no CIM quantity type carries: "APPARENT_INSTANTANEOUS_POWER" → "Apparent instantaneous power". */
function catalogueWords(name: string): string {
  const text = name
    .toLowerCase()
    .replaceAll("_", " ")
    .replace(/\bl(\d)\b/g, "L$1");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A column heading for a quantity in exported tables: its plain name, its unit, and the OBIS code experts
 * look for: "Instantaneous active power consumption (kW) [1-0:1.7.0]", "Instantaneous power factor [1-0:13.7.0]";
 * with the data source's role, the role's plain name: "Grid import (kW) [1-0:1.7.0]".
 */
export function quantityHeading(obis: ObisCodeEntry, role?: DataSourceRole): string {
  const type = quantityTypeByObis(obis.code);
  const name = type ? quantityName(type, role) : catalogueWords(obis.name);
  const unit = unitText(obis.unit);
  return `${name}${unit === "" ? "" : ` (${unit})`} [${obis.code}]`;
}
