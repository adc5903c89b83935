/** Units AIIDA uses for OBIS values (AIIDA's UnitOfMeasurement JSON strings). */
export type UnitOfMeasurement =
  | "W"
  | "kW"
  | "Wh"
  | "kWh"
  | "VAr"
  | "kVAr"
  | "VArh"
  | "kVArh"
  | "A"
  | "V"
  | "VA"
  | "kVA"
  | "Hz"
  | "none"
  | "unknown";

/** One entry of the OBIS catalogue: AIIDA's ObisCode name, code and unit, plus a stable small key for storage. */
export interface ObisCodeEntry {
  /** Stable numeric key stored in the database instead of the code string; never reuse or renumber. */
  readonly key: number;
  readonly name: string;
  readonly code: string;
  readonly unit: UnitOfMeasurement;
}

const entries: readonly ObisCodeEntry[] = [
  { key: 1, name: "POSITIVE_ACTIVE_ENERGY", code: "1-0:1.8.0", unit: "kWh" },
  { key: 2, name: "POSITIVE_ACTIVE_ENERGY_IN_PHASE_L1", code: "1-0:21.8.0", unit: "kWh" },
  { key: 3, name: "POSITIVE_ACTIVE_ENERGY_IN_PHASE_L2", code: "1-0:41.8.0", unit: "kWh" },
  { key: 4, name: "POSITIVE_ACTIVE_ENERGY_IN_PHASE_L3", code: "1-0:61.8.0", unit: "kWh" },
  { key: 5, name: "NEGATIVE_ACTIVE_ENERGY", code: "1-0:2.8.0", unit: "kWh" },
  { key: 6, name: "NEGATIVE_ACTIVE_ENERGY_IN_PHASE_L1", code: "1-0:22.8.0", unit: "kWh" },
  { key: 7, name: "NEGATIVE_ACTIVE_ENERGY_IN_PHASE_L2", code: "1-0:42.8.0", unit: "kWh" },
  { key: 8, name: "NEGATIVE_ACTIVE_ENERGY_IN_PHASE_L3", code: "1-0:62.8.0", unit: "kWh" },
  { key: 9, name: "POSITIVE_ACTIVE_INSTANTANEOUS_POWER", code: "1-0:1.7.0", unit: "kW" },
  { key: 10, name: "POSITIVE_ACTIVE_INSTANTANEOUS_POWER_IN_PHASE_L1", code: "1-0:21.7.0", unit: "kW" },
  { key: 11, name: "POSITIVE_ACTIVE_INSTANTANEOUS_POWER_IN_PHASE_L2", code: "1-0:41.7.0", unit: "kW" },
  { key: 12, name: "POSITIVE_ACTIVE_INSTANTANEOUS_POWER_IN_PHASE_L3", code: "1-0:61.7.0", unit: "kW" },
  { key: 13, name: "NEGATIVE_ACTIVE_INSTANTANEOUS_POWER", code: "1-0:2.7.0", unit: "kW" },
  { key: 14, name: "POSITIVE_REACTIVE_INSTANTANEOUS_POWER", code: "1-0:3.7.0", unit: "kVAr" },
  { key: 15, name: "POSITIVE_REACTIVE_INSTANTANEOUS_POWER_IN_PHASE_L1", code: "1-0:23.7.0", unit: "kVAr" },
  { key: 16, name: "POSITIVE_REACTIVE_INSTANTANEOUS_POWER_IN_PHASE_L2", code: "1-0:43.7.0", unit: "kVAr" },
  { key: 17, name: "POSITIVE_REACTIVE_INSTANTANEOUS_POWER_IN_PHASE_L3", code: "1-0:63.7.0", unit: "kVAr" },
  { key: 18, name: "NEGATIVE_REACTIVE_INSTANTANEOUS_POWER", code: "1-0:4.7.0", unit: "kVAr" },
  { key: 19, name: "POSITIVE_REACTIVE_ENERGY_IN_TARIFF", code: "1-0:3.8.1", unit: "kVArh" },
  { key: 20, name: "NEGATIVE_REACTIVE_ENERGY_IN_TARIFF", code: "1-0:4.8.1", unit: "kVArh" },
  { key: 21, name: "MAXIMUM_CURRENT", code: "1-0:11.6.0", unit: "A" },
  { key: 22, name: "MAXIMUM_CURRENT_IN_PHASE_L1", code: "1-0:31.6.0", unit: "A" },
  { key: 23, name: "MAXIMUM_CURRENT_IN_PHASE_L2", code: "1-0:51.6.0", unit: "A" },
  { key: 24, name: "MAXIMUM_CURRENT_IN_PHASE_L3", code: "1-0:71.6.0", unit: "A" },
  { key: 25, name: "APPARENT_INSTANTANEOUS_POWER", code: "1-0:9.7.0", unit: "kVA" },
  { key: 26, name: "INSTANTANEOUS_CURRENT", code: "1-0:11.7.0", unit: "A" },
  { key: 27, name: "INSTANTANEOUS_CURRENT_IN_PHASE_L1", code: "1-0:31.7.0", unit: "A" },
  { key: 28, name: "INSTANTANEOUS_CURRENT_IN_PHASE_L2", code: "1-0:51.7.0", unit: "A" },
  { key: 29, name: "INSTANTANEOUS_CURRENT_IN_PHASE_L3", code: "1-0:71.7.0", unit: "A" },
  { key: 30, name: "INSTANTANEOUS_CURRENT_IN_PHASE_NEUTRAL", code: "1-0:91.7.0", unit: "A" },
  { key: 31, name: "INSTANTANEOUS_POWER_FACTOR", code: "1-0:13.7.0", unit: "none" },
  { key: 32, name: "INSTANTANEOUS_POWER_FACTOR_IN_PHASE_L1", code: "1-0:33.7.0", unit: "none" },
  { key: 33, name: "INSTANTANEOUS_POWER_FACTOR_IN_PHASE_L2", code: "1-0:53.7.0", unit: "none" },
  { key: 34, name: "INSTANTANEOUS_POWER_FACTOR_IN_PHASE_L3", code: "1-0:73.7.0", unit: "none" },
  { key: 35, name: "INSTANTANEOUS_VOLTAGE", code: "1-0:12.7.0", unit: "V" },
  { key: 36, name: "INSTANTANEOUS_VOLTAGE_IN_PHASE_L1", code: "1-0:32.7.0", unit: "V" },
  { key: 37, name: "INSTANTANEOUS_VOLTAGE_IN_PHASE_L2", code: "1-0:52.7.0", unit: "V" },
  { key: 38, name: "INSTANTANEOUS_VOLTAGE_IN_PHASE_L3", code: "1-0:72.7.0", unit: "V" },
  { key: 39, name: "FREQUENCY", code: "1-0:14.7.0", unit: "Hz" },
  { key: 40, name: "DEVICE_ID_1", code: "0-0:96.1.0", unit: "none" },
  { key: 41, name: "TIME", code: "0-0:1.0.0", unit: "none" },
  { key: 42, name: "UPTIME", code: "0-0:2.0.0", unit: "none" },
  { key: 43, name: "METER_SERIAL", code: "0-0:C.1.0", unit: "none" },
  { key: 44, name: "UNKNOWN", code: "0-0:0.0.0", unit: "unknown" },
];

/** The full OBIS catalogue, in AIIDA's order. */
export const OBIS_CODES: readonly ObisCodeEntry[] = entries;

const byCode = new Map(entries.map((e) => [e.code, e]));
const byKey = new Map(entries.map((e) => [e.key, e]));

/** Looks an OBIS code string up (e.g. "1-0:1.8.0"); undefined when it is not in the catalogue. */
export function obisByCode(code: string): ObisCodeEntry | undefined {
  return byCode.get(code);
}

/** Looks a stored OBIS key up; undefined when the key is unknown. */
export function obisByKey(key: number): ObisCodeEntry | undefined {
  return byKey.get(key);
}
