import type { DataSourceRole } from "./data-source-role.ts";
import type { EnergyDirection } from "./energy-quantity.ts";
import { FLOW_NAMES, plainQuantityName } from "./quantity-name.ts";

/** The total register of each direction: the role names a direction as it names this register's flow. */
const REGISTER_OF: Readonly<Record<EnergyDirection, string>> = { import: "1-0:1.8.0", export: "1-0:2.8.0" };

/** Where a role names no flow for a direction (a solar inverter's own draw): the direction itself. */
const DIRECTION_WORDS: Readonly<Record<EnergyDirection, string>> = { import: "Import", export: "Export" };

/**
 * What energy imported or exported is called for a data source's role: "Grid import" and "Feed-in" for a
 * grid meter, "Solar production" for an inverter's export; "Import" or "Export" where the role names none.
 */
export function energyFlowName(direction: EnergyDirection, role: DataSourceRole): string {
  const plain = plainQuantityName(role, REGISTER_OF[direction]);
  return plain ? FLOW_NAMES[plain.flow] : DIRECTION_WORDS[direction];
}
