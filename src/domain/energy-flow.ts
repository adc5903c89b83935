import {
  type EnergyDirection,
  type EnergyMethod,
  type EnergyQuantity,
  energyQuantityByKey,
} from "./energy-quantity.ts";
import type { IntervalEnergy } from "./energy-tally.ts";

/** Energy of one quantity in every interval of a query. */
export interface QuantityEnergy {
  /** The quantity's stored OBIS key. */
  readonly obisKey: number;
  readonly intervals: readonly IntervalEnergy[];
}

/** Energy imported or exported in one interval, and how it was found. */
export interface FlowEnergy {
  readonly kWh: number;
  readonly method: EnergyMethod;
  /** Of the quantities added up, the lowest. */
  readonly completeness: number;
  readonly resets: number;
}

/**
 * The quantities an interval's import or export is read from, best first: the total register, the
 * phase registers added up, the total power, the phase powers added up.
 */
const PREFERENCE: ReadonlyArray<readonly [EnergyMethod, boolean]> = [
  ["register", false],
  ["register", true],
  ["power", false],
  ["power", true],
];

/**
 * Energy imported or exported per interval: from the first group of quantities in PREFERENCE that has
 * energy in that interval (so a total register wins over power, and a day without register readings
 * falls back to power if there is any); null where no quantity of that direction has any.
 */
export function flowPerInterval(
  direction: EnergyDirection,
  quantities: readonly QuantityEnergy[],
  intervals: number,
): (FlowEnergy | null)[] {
  const known = quantities.flatMap((q) => {
    const quantity = energyQuantityByKey(q.obisKey);
    return quantity?.direction === direction ? [{ quantity, intervals: q.intervals }] : [];
  });
  const groups = PREFERENCE.map(([method, phase]) =>
    known.filter((q) => q.quantity.method === method && q.quantity.phase === phase),
  ).filter((group) => group.length > 0);
  return Array.from({ length: intervals }, (_, k) => {
    for (const group of groups) {
      const flow = addUp(group, k);
      if (flow) return flow;
    }
    return null;
  });
}

/** The group's energy in interval k, or null when none of its quantities has any there. */
function addUp(
  group: ReadonlyArray<{ quantity: EnergyQuantity; intervals: readonly IntervalEnergy[] }>,
  k: number,
): FlowEnergy | null {
  let kWh: number | null = null;
  let completeness = 1;
  let resets = 0;
  for (const { intervals } of group) {
    const energy = intervals[k];
    // A phase without data in this interval makes the sum incomplete: its completeness is 0.
    completeness = Math.min(completeness, energy?.completeness ?? 0);
    if (!energy || energy.kWh === null) continue;
    kWh = (kWh ?? 0) + energy.kWh;
    resets += energy.resets;
  }
  const method = group[0]?.quantity.method;
  return kWh === null || method === undefined ? null : { kWh, method, completeness, resets };
}
