/**
 * The household's energy balance from its data sources' roles: what the house draws, how much of the
 * solar production it uses itself (self-consumption) and how much of its use it covers itself
 * (autarky). The same arithmetic holds for power now (kW) and for energy over a period (kWh).
 */

/** What a data source measures in the household (the API's `role`). */
export type SourceRole =
  | "GRID_METER"
  | "PV_INVERTER"
  | "BATTERY"
  | "HEAT_PUMP"
  | "EV_CHARGER"
  | "OTHER_CONSUMER";

/**
 * One data source's flows in one direction each, as its meter counts them: `imported` is what it takes
 * (a grid meter's import, a battery's charge, an inverter's own standby draw), `exported` what it gives
 * (feed-in, discharge, solar production). undefined: no reading yet.
 */
export interface SourceFlows {
  readonly role: SourceRole;
  readonly imported: number | undefined;
  readonly exported: number | undefined;
}

/** The balance; a field is undefined when no data source with the role it needs exists. */
export interface HouseholdBalance {
  readonly gridImport: number | undefined;
  readonly feedIn: number | undefined;
  /** Solar production net of the inverters' own draw. */
  readonly solar: number | undefined;
  readonly batteryCharge: number | undefined;
  readonly batteryDischarge: number | undefined;
  /** Grid import − feed-in + solar − battery charge + battery discharge; needs a grid meter. */
  readonly home: number | undefined;
  /** Share of the solar production used in the house: (solar − feed-in) ÷ solar, 0…1. */
  readonly selfConsumption: number | undefined;
  /** Share of the house's use not drawn from the grid: 1 − grid import ÷ home, 0…1. */
  readonly autarky: number | undefined;
  /** false when a grid meter, inverter or battery has not reported yet: the sums leave it out. */
  readonly complete: boolean;
}

/** The roles the balance adds up; consumers behind the grid meter (heat pump, EV charger) are already in its import. */
const BALANCE_ROLES: ReadonlySet<SourceRole> = new Set(["GRID_METER", "PV_INVERTER", "BATTERY"]);

function sum(flows: readonly SourceFlows[], role: SourceRole, direction: "imported" | "exported") {
  const ofRole = flows.filter((f) => f.role === role);
  if (ofRole.length === 0) return undefined;
  return ofRole.reduce((total, f) => total + (f[direction] ?? 0), 0);
}

const share = (part: number) => Math.min(1, Math.max(0, part));

/** Adds up the flows of every data source by role. */
export function householdBalance(flows: readonly SourceFlows[]): HouseholdBalance {
  const gridImport = sum(flows, "GRID_METER", "imported");
  const feedIn = sum(flows, "GRID_METER", "exported");
  const pvOut = sum(flows, "PV_INVERTER", "exported");
  const solar =
    pvOut === undefined ? undefined : Math.max(0, pvOut - (sum(flows, "PV_INVERTER", "imported") ?? 0));
  const batteryCharge = sum(flows, "BATTERY", "imported");
  const batteryDischarge = sum(flows, "BATTERY", "exported");
  // Meters read at slightly different moments can make the sum dip below zero; a house never gives energy back.
  const home =
    gridImport === undefined || feedIn === undefined
      ? undefined
      : Math.max(0, gridImport - feedIn + (solar ?? 0) - (batteryCharge ?? 0) + (batteryDischarge ?? 0));
  const selfConsumption =
    solar === undefined || solar <= 0 || feedIn === undefined ? undefined : share((solar - feedIn) / solar);
  const autarky =
    home === undefined || home <= 0 || gridImport === undefined || solar === undefined
      ? undefined
      : share(1 - gridImport / home);
  const complete = flows
    .filter((f) => BALANCE_ROLES.has(f.role))
    .every((f) => f.imported !== undefined || f.exported !== undefined);
  return {
    gridImport,
    feedIn,
    solar,
    batteryCharge,
    batteryDischarge,
    home,
    selfConsumption,
    autarky,
    complete,
  };
}
