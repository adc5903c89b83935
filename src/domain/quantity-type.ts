import { type ObisCodeEntry, obisByCode } from "./obis-code.ts";

/** One CIM v1.12 RTD QuantityTypeKind value ("0".."35") with its name and the OBIS code it maps to. */
export interface QuantityType {
  readonly code: number;
  readonly name: string;
  readonly obis: ObisCodeEntry;
}

const table: ReadonlyArray<readonly [string, string]> = [
  ["TOTAL_ACTIVE_ENERGY_CONSUMED_KWH", "1-0:1.8.0"],
  ["TOTAL_ACTIVE_ENERGY_PRODUCED_KWH", "1-0:2.8.0"],
  ["INSTANTANEOUS_ACTIVE_POWER_CONSUMPTION_KW", "1-0:1.7.0"],
  ["INSTANTANEOUS_ACTIVE_POWER_GENERATION_KW", "1-0:2.7.0"],
  ["INSTANTANEOUS_VOLTAGE_V_IN_PHASE_L1", "1-0:32.7.0"],
  ["INSTANTANEOUS_VOLTAGE_V_IN_PHASE_L2", "1-0:52.7.0"],
  ["INSTANTANEOUS_VOLTAGE_V_IN_PHASE_L3", "1-0:72.7.0"],
  ["INSTANTANEOUS_CURRENT_A_IN_PHASE_L1", "1-0:31.7.0"],
  ["INSTANTANEOUS_CURRENT_A_IN_PHASE_L2", "1-0:51.7.0"],
  ["INSTANTANEOUS_CURRENT_A_IN_PHASE_L3", "1-0:71.7.0"],
  ["INSTANTANEOUS_POWERFACTOR", "1-0:13.7.0"],
  ["TOTAL_ACTIVE_ENERGY_CONSUMED_KWH_IN_PHASE_L1", "1-0:21.8.0"],
  ["TOTAL_ACTIVE_ENERGY_CONSUMED_KWH_IN_PHASE_L2", "1-0:41.8.0"],
  ["TOTAL_ACTIVE_ENERGY_CONSUMED_KWH_IN_PHASE_L3", "1-0:61.8.0"],
  ["TOTAL_ACTIVE_ENERGY_PRODUCED_KWH_IN_PHASE_L1", "1-0:22.8.0"],
  ["TOTAL_ACTIVE_ENERGY_PRODUCED_KWH_IN_PHASE_L2", "1-0:42.8.0"],
  ["TOTAL_ACTIVE_ENERGY_PRODUCED_KWH_IN_PHASE_L3", "1-0:62.8.0"],
  ["INSTANTANEOUS_ACTIVE_POWER_CONSUMPTION_KW_IN_PHASE_L1", "1-0:21.7.0"],
  ["INSTANTANEOUS_ACTIVE_POWER_CONSUMPTION_KW_IN_PHASE_L2", "1-0:41.7.0"],
  ["INSTANTANEOUS_ACTIVE_POWER_CONSUMPTION_KW_IN_PHASE_L3", "1-0:61.7.0"],
  ["INSTANTANEOUS_REACTIVE_POWER_CONSUMPTION_KVAR", "1-0:3.7.0"],
  ["INSTANTANEOUS_REACTIVE_POWER_CONSUMPTION_KVAR_IN_PHASE_L1", "1-0:23.7.0"],
  ["INSTANTANEOUS_REACTIVE_POWER_CONSUMPTION_KVAR_IN_PHASE_L2", "1-0:43.7.0"],
  ["INSTANTANEOUS_REACTIVE_POWER_CONSUMPTION_KVAR_IN_PHASE_L3", "1-0:63.7.0"],
  ["INSTANTANEOUS_REACTIVE_POWER_GENERATION_KVAR", "1-0:4.7.0"],
  ["INSTANTANEOUS_VOLTAGE_V", "1-0:12.7.0"],
  ["INSTANTANEOUS_CURRENT_A", "1-0:11.7.0"],
  ["INSTANTANEOUS_CURRENT_A_IN_PHASE_NEUTRAL", "1-0:91.7.0"],
  ["MAXIMUM_CURRENT_A", "1-0:11.6.0"],
  ["MAXIMUM_CURRENT_A_IN_PHASE_L1", "1-0:31.6.0"],
  ["MAXIMUM_CURRENT_A_IN_PHASE_L2", "1-0:51.6.0"],
  ["MAXIMUM_CURRENT_A_IN_PHASE_L3", "1-0:71.6.0"],
  ["INSTANTANEOUS_POWER_FACTOR_IN_PHASE_L1", "1-0:33.7.0"],
  ["INSTANTANEOUS_POWER_FACTOR_IN_PHASE_L2", "1-0:53.7.0"],
  ["INSTANTANEOUS_POWER_FACTOR_IN_PHASE_L3", "1-0:73.7.0"],
  ["FREQUENCY_HZ", "1-0:14.7.0"],
];

/** CIM v1.12 QuantityTypeKind values 0..35, indexed by their code. */
export const QUANTITY_TYPES: readonly QuantityType[] = table.map(([name, code], index) => {
  const obis = obisByCode(code);
  if (!obis) throw new Error(`quantity type ${name} names OBIS code ${code}, which is not in the catalogue`);
  return { code: index, name, obis };
});

/** The quantity type for a code 0..35; undefined for anything else. */
export function quantityTypeByCode(code: number): QuantityType | undefined {
  return Number.isInteger(code) ? QUANTITY_TYPES[code] : undefined;
}

const byObisCode = new Map(QUANTITY_TYPES.map((q) => [q.obis.code, q]));

/** The quantity type that maps to an OBIS code; undefined for OBIS codes CIM v1.12 cannot carry. */
export function quantityTypeByObis(obisCode: string): QuantityType | undefined {
  return byObisCode.get(obisCode);
}

/** CIM StandardQualityTypeList: code ↔ name. AIIDA writes names on the wire; codes are accepted too. */
export const QUALITIES: ReadonlyArray<{ readonly code: string; readonly name: string }> = [
  { code: "A01", name: "ADJUSTED" },
  { code: "A02", name: "NOT_AVAILABLE" },
  { code: "A03", name: "ESTIMATED" },
  { code: "A04", name: "AS_PROVIDED" },
  { code: "A05", name: "INCOMPLETE" },
  { code: "A06", name: "CALCULATED" },
  { code: "A07", name: "TEMPORARY" },
];
