import { type ObisCodeEntry, obisByCode, type UnitOfMeasurement } from "./obis-code.ts";
import { QUANTITY_TYPES } from "./quantity-type.ts";

/** The range a quantity's value is expected in; a value outside is stored, with a warning. */
export interface PlausibleRange {
  readonly min: number;
  readonly max: number;
}

/** A data source's own ranges, keyed by OBIS code; either end may be left to the default. */
export type PlausibilityOverrides = Readonly<
  Record<string, { readonly min?: number | undefined; readonly max?: number | undefined }>
>;

/** A kind of quantity with its household default range and how a value far above it is described. */
export interface QuantityKind {
  readonly kind: string;
  readonly range: PlausibleRange;
  /** Completes "<value> is …" for a value above the household default. */
  readonly farAbove: string;
}

const kinds = {
  power: {
    kind: "active power",
    range: { min: -100, max: 100 },
    farAbove: "far more than a household draws",
  },
  powerPhase: {
    kind: "active power of one phase",
    range: { min: -50, max: 50 },
    farAbove: "far more than one phase of a household carries",
  },
  generation: {
    kind: "active power generated",
    range: { min: -100, max: 100 },
    farAbove: "far more than a household produces",
  },
  reactive: {
    kind: "reactive power",
    range: { min: -100, max: 100 },
    farAbove: "far more than a household draws",
  },
  reactivePhase: {
    kind: "reactive power of one phase",
    range: { min: -50, max: 50 },
    farAbove: "far more than one phase of a household carries",
  },
  energy: {
    kind: "energy register",
    range: { min: 0, max: 1_000_000 },
    farAbove: "far more than a household meter counts",
  },
  voltagePhase: {
    kind: "phase voltage",
    range: { min: 150, max: 280 },
    farAbove: "far more than a household supply has",
  },
  voltage: {
    kind: "voltage (phase or line)",
    range: { min: 150, max: 480 },
    farAbove: "far more than a household supply has",
  },
  current: {
    kind: "current",
    range: { min: -100, max: 100 },
    farAbove: "far more than a household connection carries",
  },
  powerFactor: {
    kind: "power factor",
    range: { min: -1, max: 1 },
    farAbove: "more than a power factor can be",
  },
  frequency: {
    kind: "grid frequency",
    range: { min: 45, max: 65 },
    farAbove: "far from the grid's 50 or 60 Hz",
  },
} satisfies Record<string, QuantityKind>;

// Every OBIS code a CIM quantity type carries has its kind; a test checks that none is missing.
const KIND_OF_OBIS: Readonly<Record<string, QuantityKind>> = {
  "1-0:1.8.0": kinds.energy,
  "1-0:2.8.0": kinds.energy,
  "1-0:21.8.0": kinds.energy,
  "1-0:41.8.0": kinds.energy,
  "1-0:61.8.0": kinds.energy,
  "1-0:22.8.0": kinds.energy,
  "1-0:42.8.0": kinds.energy,
  "1-0:62.8.0": kinds.energy,
  "1-0:1.7.0": kinds.power,
  "1-0:2.7.0": kinds.generation,
  "1-0:21.7.0": kinds.powerPhase,
  "1-0:41.7.0": kinds.powerPhase,
  "1-0:61.7.0": kinds.powerPhase,
  "1-0:3.7.0": kinds.reactive,
  "1-0:4.7.0": kinds.reactive,
  "1-0:23.7.0": kinds.reactivePhase,
  "1-0:43.7.0": kinds.reactivePhase,
  "1-0:63.7.0": kinds.reactivePhase,
  "1-0:32.7.0": kinds.voltagePhase,
  "1-0:52.7.0": kinds.voltagePhase,
  "1-0:72.7.0": kinds.voltagePhase,
  "1-0:12.7.0": kinds.voltage,
  "1-0:11.7.0": kinds.current,
  "1-0:31.7.0": kinds.current,
  "1-0:51.7.0": kinds.current,
  "1-0:71.7.0": kinds.current,
  "1-0:91.7.0": kinds.current,
  "1-0:11.6.0": kinds.current,
  "1-0:31.6.0": kinds.current,
  "1-0:51.6.0": kinds.current,
  "1-0:71.6.0": kinds.current,
  "1-0:13.7.0": kinds.powerFactor,
  "1-0:33.7.0": kinds.powerFactor,
  "1-0:53.7.0": kinds.powerFactor,
  "1-0:73.7.0": kinds.powerFactor,
  "1-0:14.7.0": kinds.frequency,
};

/** The kind of quantity an OBIS code measures; undefined for codes without a plausible range (ids, time). */
export function quantityKindOf(obisCode: string): QuantityKind | undefined {
  return KIND_OF_OBIS[obisCode];
}

// Indexed by CIM quantity type code: the per-message check reads an array slot instead of hashing a string.
const RANGE_OF_TYPE: readonly (PlausibleRange | undefined)[] = QUANTITY_TYPES.map(
  (t) => KIND_OF_OBIS[t.obis.code]?.range,
);

/** The household default range of a CIM quantity type code (0..35). */
export function defaultRangeOfType(code: number): PlausibleRange | undefined {
  return RANGE_OF_TYPE[code];
}

/** The range that applies to an OBIS code for a data source: its own ends where it set them, else the default. */
export function plausibleRange(
  obisCode: string,
  overrides: PlausibilityOverrides | null,
): PlausibleRange | undefined {
  const fallback = KIND_OF_OBIS[obisCode]?.range;
  const own = overrides?.[obisCode];
  if (fallback === undefined) return undefined;
  if (own === undefined) return fallback;
  return { min: own.min ?? fallback.min, max: own.max ?? fallback.max };
}

// A value a thousand times too large is the classic unit slip: W sent where kW are expected.
const SMALLER_UNIT: Partial<Record<UnitOfMeasurement, string>> = {
  kW: "W",
  kWh: "Wh",
  kVAr: "VAr",
  kVArh: "VArh",
  kVA: "VA",
  A: "mA",
  V: "mV",
  Hz: "mHz",
};

/** The unit a device probably sent when `value` is out of range but `value / 1000` is not; else undefined. */
export function likelyUnitSlip(
  value: number,
  unit: UnitOfMeasurement,
  range: PlausibleRange,
): string | undefined {
  const smaller = SMALLER_UNIT[unit];
  const scaled = value / 1000;
  return smaller !== undefined && scaled >= range.min && scaled <= range.max ? smaller : undefined;
}

/**
 * The OBIS code a plausibility key names: an OBIS code ("1-0:1.7.0"), a CIM quantity type code ("2") or
 * name ("INSTANTANEOUS_ACTIVE_POWER_CONSUMPTION_KW"). Undefined for keys that name no quantity with a range.
 */
export function obisOfPlausibilityKey(key: string): ObisCodeEntry | undefined {
  const trimmed = key.trim();
  const byType = QUANTITY_TYPES.find((t) => String(t.code) === trimmed || t.name === trimmed.toUpperCase());
  const entry = byType?.obis ?? obisByCode(trimmed);
  return entry !== undefined && quantityKindOf(entry.code) !== undefined ? entry : undefined;
}

/** The OBIS codes that have a plausible range, for error messages and docs. */
export function obisCodesWithRange(): readonly string[] {
  return Object.keys(KIND_OF_OBIS);
}
