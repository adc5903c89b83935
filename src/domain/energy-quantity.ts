import { type ObisCodeEntry, obisByCode } from "./obis-code.ts";

/** Which way energy flows at the meter: taken from the grid (import) or fed into it (export). */
export type EnergyDirection = "import" | "export";

/**
 * How energy is read from a quantity: as the difference of a total register (kWh), or by integrating
 * instantaneous power (kW) over time.
 */
export type EnergyMethod = "register" | "power";

/** An OBIS quantity that energy per period is computed from. */
export interface EnergyQuantity {
  readonly obis: ObisCodeEntry;
  readonly direction: EnergyDirection;
  readonly method: EnergyMethod;
  /** Whether it is one phase's share (L1, L2, L3) rather than the meter's total. */
  readonly phase: boolean;
}

const table: ReadonlyArray<readonly [string, EnergyDirection, EnergyMethod, boolean]> = [
  ["1-0:1.8.0", "import", "register", false],
  ["1-0:21.8.0", "import", "register", true],
  ["1-0:41.8.0", "import", "register", true],
  ["1-0:61.8.0", "import", "register", true],
  ["1-0:2.8.0", "export", "register", false],
  ["1-0:22.8.0", "export", "register", true],
  ["1-0:42.8.0", "export", "register", true],
  ["1-0:62.8.0", "export", "register", true],
  ["1-0:1.7.0", "import", "power", false],
  ["1-0:21.7.0", "import", "power", true],
  ["1-0:41.7.0", "import", "power", true],
  ["1-0:61.7.0", "import", "power", true],
  ["1-0:2.7.0", "export", "power", false],
];

/** Active energy registers (1-0:1.8.0 import total, 1-0:2.8.0 export total, their phases) and active power. */
export const ENERGY_QUANTITIES: readonly EnergyQuantity[] = table.map(([code, direction, method, phase]) => {
  const obis = obisByCode(code);
  if (!obis) throw new Error(`energy quantity ${code} is not in the OBIS catalogue`);
  return { obis, direction, method, phase };
});

const byKey = new Map(ENERGY_QUANTITIES.map((q) => [q.obis.key, q]));

/** The energy quantity stored under an OBIS key; undefined for quantities energy is not computed from. */
export function energyQuantityByKey(key: number): EnergyQuantity | undefined {
  return byKey.get(key);
}
