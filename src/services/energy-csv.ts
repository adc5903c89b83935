import type { DataSourceRole } from "../domain/data-source-role.ts";
import { type FlowEnergy, flowPerInterval, type QuantityEnergy } from "../domain/energy-flow.ts";
import { energyFlowName } from "../domain/energy-flow-name.ts";
import type { EnergyDirection } from "../domain/energy-quantity.ts";
import { roundKWh, roundShare } from "../domain/energy-rounding.ts";
import { exportNumber } from "../domain/export-number.ts";
import { type CalendarEdges, isoWithOffset } from "../platform/calendar-intervals.ts";
import { type CsvCell, csvRow } from "../platform/csv.ts";
import { utcText } from "../platform/local-time.ts";

const DIRECTIONS: readonly EnergyDirection[] = ["import", "export"];

/** kWh as export text: to the milliwatt-hour first, so a register's difference shows no float noise. */
const kWhText = (flow: FlowEnergy | null): CsvCell => (flow ? exportNumber(roundKWh(flow.kWh)) : null);

/** The columns describing one direction's figure: how it was found, how complete, how many resets. */
function detailCells(flow: FlowEnergy | null): CsvCell[] {
  if (flow === null) return [null, null, null];
  return [flow.method, exportNumber(roundShare(flow.completeness) * 100), String(flow.resets)];
}

/**
 * Energy per interval as CSV (RFC 4180, CRLF): one row per interval with its local start and end with
 * the UTC offset, its UTC start, kWh imported and exported under the role's plain names ("Grid import
 * (kWh)", "Feed-in (kWh)"), then for each direction its method (register or power), completeness in
 * percent and resets. A direction without energy in an interval leaves its cells empty.
 */
export function energyCsv(
  role: DataSourceRole,
  calendar: CalendarEdges,
  quantities: readonly QuantityEnergy[],
  timeZone: string,
): string {
  const { edges, offsets } = calendar;
  const count = edges.length - 1;
  const names = DIRECTIONS.map((direction) => energyFlowName(direction, role));
  const flows = DIRECTIONS.map((direction) => flowPerInterval(direction, quantities, count));
  let text = csvRow([
    `Local start (${timeZone})`,
    `Local end (${timeZone})`,
    "UTC start",
    ...names.map((name) => `${name} (kWh)`),
    ...names.flatMap((name) => [`${name} method`, `${name} completeness (%)`, `${name} resets`]),
  ]);
  for (let k = 0; k < count; k++) {
    const start = edges[k] ?? 0;
    const figures = flows.map((perInterval) => perInterval[k] ?? null);
    text += csvRow([
      // The calendar's own offsets: looking each edge's up in the zone again costs ~40 µs a row.
      isoWithOffset(start, offsets[k] ?? 0),
      isoWithOffset(edges[k + 1] ?? 0, offsets[k + 1] ?? 0),
      utcText(start),
      ...figures.map(kWhText),
      ...figures.flatMap(detailCells),
    ]);
  }
  return text;
}
