import { type FlowEnergy, flowPerInterval, type QuantityEnergy } from "../domain/energy-flow.ts";
import { energyQuantityByKey } from "../domain/energy-quantity.ts";
import { roundKWh, roundShare } from "../domain/energy-rounding.ts";
import type { IntervalEnergy } from "../domain/energy-tally.ts";
import type { CalendarEdges, CalendarUnit } from "../platform/calendar-intervals.ts";
import { isoWithOffset } from "../platform/calendar-intervals.ts";

/** What the energy answer is about, besides the energy itself. */
export interface EnergyRequestFacts {
  readonly dataSourceId: string;
  readonly timeZone: string;
  readonly interval: CalendarUnit;
  readonly maxGapSeconds: number;
}

function flowDto(flow: FlowEnergy | null) {
  return flow === null
    ? null
    : {
        kWh: roundKWh(flow.kWh),
        method: flow.method,
        completeness: roundShare(flow.completeness),
        resets: flow.resets,
      };
}

function quantityDto(energy: IntervalEnergy | undefined) {
  return {
    kWh: energy?.kWh === null || energy === undefined ? null : roundKWh(energy.kWh),
    completeness: roundShare(energy?.completeness ?? 0),
    resets: energy?.resets ?? 0,
  };
}

/**
 * The answer of GET /api/datasources/{id}/energy: per interval its start and end with the zone's offset,
 * energy imported and exported (with the method and completeness of each), and every energy quantity's
 * own share.
 */
export function energyDto(
  facts: EnergyRequestFacts,
  calendar: CalendarEdges,
  quantities: readonly QuantityEnergy[],
) {
  const { edges, offsets } = calendar;
  const count = edges.length - 1;
  const iso = (k: number) => isoWithOffset(edges[k] ?? 0, offsets[k] ?? 0);
  const imported = flowPerInterval("import", quantities, count);
  const exported = flowPerInterval("export", quantities, count);
  const known = quantities.flatMap((q) => {
    const quantity = energyQuantityByKey(q.obisKey);
    return quantity ? [{ quantity, intervals: q.intervals }] : [];
  });
  return {
    dataSourceId: facts.dataSourceId,
    timeZone: facts.timeZone,
    interval: facts.interval,
    from: iso(0),
    to: iso(count),
    maxGapSeconds: facts.maxGapSeconds,
    quantities: known.map(({ quantity }) => ({
      obis: quantity.obis.code,
      name: quantity.obis.name,
      direction: quantity.direction,
      method: quantity.method,
    })),
    intervals: Array.from({ length: count }, (_, k) => ({
      start: iso(k),
      end: iso(k + 1),
      import: flowDto(imported[k] ?? null),
      export: flowDto(exported[k] ?? null),
      quantities: Object.fromEntries(
        known.map(({ quantity, intervals }) => [quantity.obis.code, quantityDto(intervals[k])]),
      ),
    })),
  };
}
