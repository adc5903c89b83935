import type { DataSourceRole } from "./data-source-role.ts";
import type { UnitOfMeasurement } from "./obis-code.ts";
import { QUANTITY_TYPES, type QuantityType } from "./quantity-type.ts";

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

/** What the energy flowing through a device is called, by role; each is a message key of the UI too. */
export const FLOW_NAMES = {
  gridImport: "Grid import",
  feedIn: "Feed-in",
  solarProduction: "Solar production",
  batteryCharge: "Battery charge",
  batteryDischarge: "Battery discharge",
  heatPumpConsumption: "Heat pump consumption",
  evChargerConsumption: "EV charger consumption",
  consumption: "Consumption",
} as const satisfies Record<string, string>;
export type FlowName = keyof typeof FLOW_NAMES;

type Phase = "L1" | "L2" | "L3";

/**
 * The flows of active power and energy by OBIS code: 1.x.x counts what goes into the device (from the grid,
 * into a battery or a consumer), 2.x.x what comes out of it (feed-in, production, discharge).
 */
const ACTIVE_FLOWS: ReadonlyMap<
  string,
  { readonly out: boolean; readonly total: boolean; readonly phase: Phase | null }
> = new Map([
  ["1-0:1.7.0", { out: false, total: false, phase: null }],
  ["1-0:21.7.0", { out: false, total: false, phase: "L1" }],
  ["1-0:41.7.0", { out: false, total: false, phase: "L2" }],
  ["1-0:61.7.0", { out: false, total: false, phase: "L3" }],
  ["1-0:2.7.0", { out: true, total: false, phase: null }],
  ["1-0:1.8.0", { out: false, total: true, phase: null }],
  ["1-0:21.8.0", { out: false, total: true, phase: "L1" }],
  ["1-0:41.8.0", { out: false, total: true, phase: "L2" }],
  ["1-0:61.8.0", { out: false, total: true, phase: "L3" }],
  ["1-0:2.8.0", { out: true, total: true, phase: null }],
  ["1-0:22.8.0", { out: true, total: true, phase: "L1" }],
  ["1-0:42.8.0", { out: true, total: true, phase: "L2" }],
  ["1-0:62.8.0", { out: true, total: true, phase: "L3" }],
]);

/**
 * What each role calls the flow into and out of its device. A flow a role does not name (an inverter's own
 * draw, a heat pump's "production") keeps its CIM name: it is rare, and a plain guess would mislead.
 */
const ROLE_FLOWS: Readonly<Record<DataSourceRole, { readonly in?: FlowName; readonly out?: FlowName }>> = {
  GRID_METER: { in: "gridImport", out: "feedIn" },
  PV_INVERTER: { out: "solarProduction" },
  BATTERY: { in: "batteryCharge", out: "batteryDischarge" },
  HEAT_PUMP: { in: "heatPumpConsumption" },
  EV_CHARGER: { in: "evChargerConsumption" },
  OTHER_CONSUMER: { in: "consumption" },
};

/** A quantity's plain name for a role, as parts a UI can translate: the flow, a meter total or not, a phase. */
export interface PlainQuantityName {
  readonly flow: FlowName;
  /** A meter total (kWh register) rather than power now. */
  readonly total: boolean;
  readonly phase: Phase | null;
}

/** The plain name of an OBIS code's quantity for a role; undefined where the role gives it none. */
export function plainQuantityName(role: DataSourceRole, obisCode: string): PlainQuantityName | undefined {
  const active = ACTIVE_FLOWS.get(obisCode);
  const flow = active && ROLE_FLOWS[role][active.out ? "out" : "in"];
  return active && flow ? { flow, total: active.total, phase: active.phase } : undefined;
}

/** A plain name in English: "Grid import", "Feed-in in phase L1 (total)". */
export function plainNameText(name: PlainQuantityName): string {
  const flow = FLOW_NAMES[name.flow];
  const phased = name.phase === null ? flow : `${flow} in phase ${name.phase}`;
  return name.total ? `${phased} (total)` : phased;
}

const cimNames: readonly string[] = QUANTITY_TYPES.map((q) => wordsOf(q.name));
// Every role's names, by quantity type code, made once: naming a kept value costs an array look-up.
const roleNames = new Map(
  (Object.keys(ROLE_FLOWS) as DataSourceRole[]).map((role) => [
    role,
    QUANTITY_TYPES.map((q) => {
      const plain = plainQuantityName(role, q.obis.code);
      return plain ? plainNameText(plain) : wordsOf(q.name);
    }),
  ]),
);

/**
 * What a quantity is called in sentences for people: its plain name for the data source's role ("Grid
 * import"), or without a role or a plain name the CIM name in words ("Instantaneous voltage in phase L1").
 * The one place that names a quantity.
 */
export function quantityName(type: QuantityType, role?: DataSourceRole): string {
  return (role === undefined ? cimNames : roleNames.get(role))?.[type.code] ?? wordsOf(type.name);
}

/** The unit written after a value: "kW", "V"; empty for a plain ratio such as the power factor. */
export function unitText(unit: UnitOfMeasurement): string {
  return unit === "none" || unit === "unknown" ? "" : unit;
}
