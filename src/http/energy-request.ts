import { z } from "zod";
import type { DataSource } from "../domain/data-source.ts";
import type { QuantityEnergy } from "../domain/energy-flow.ts";
import { HubError, type ProblemDetail } from "../domain/hub-error.ts";
import {
  CALENDAR_UNITS,
  type CalendarEdges,
  type CalendarUnit,
  calendarEdges,
  canonicalTimeZone,
  isoInZone,
  parseLocalInstant,
} from "../platform/calendar-intervals.ts";
import { sourceIdOf } from "./data-source-routes.ts";
import type { HttpContext } from "./http-context.ts";
import { validate } from "./validate.ts";

/** Most intervals one energy query may return: a year of hours (8,784) fits, 27 years of days do. */
export const MAX_ENERGY_INTERVALS = 10_000;

/** Query of GET /api/datasources/{id}/energy and energy.csv, before from and to are read in the zone. */
const energyQuery = z.strictObject({
  from: z.string().min(1, "must not be empty"),
  to: z.string().min(1, "must not be empty"),
  interval: z.enum(CALENDAR_UNITS).optional().default("day"),
  tz: z.string().optional(),
});

const WHEN =
  "a date (YYYY-MM-DD: local midnight), a local date-time (2026-03-29T06:00), an ISO instant with offset or Z, or epoch milliseconds";

/** An energy query read and answered: the data source, the calendar asked for, and each quantity's energy. */
export interface EnergyAnswer {
  readonly source: DataSource;
  readonly timeZone: string;
  readonly interval: CalendarUnit;
  readonly maxGapSeconds: number;
  readonly calendar: CalendarEdges;
  readonly quantities: readonly QuantityEnergy[];
}

/**
 * Reads an energy query (data source id, from, to, interval, tz) and computes its energy: the one reading
 * of these parameters for every energy answer, JSON or CSV. Throws NOT_FOUND for an unknown data source
 * and VALIDATION_FAILED naming each bad parameter, before anything is read.
 */
export async function answerEnergyQuery(
  ctx: HttpContext,
  params: unknown,
  query: unknown,
): Promise<EnergyAnswer> {
  const source = await ctx.dataSources.get(sourceIdOf(params));
  const q = validate(energyQuery, query, "energy query");
  const zone = q.tz === undefined ? ctx.timeZone : canonicalTimeZone(q.tz);
  if (zone === undefined) {
    throw invalid([
      { path: "tz", reason: `must be an IANA time zone such as Europe/Vienna or UTC, got "${q.tz}"` },
    ]);
  }
  const from = parseLocalInstant(q.from, zone);
  const to = parseLocalInstant(q.to, zone);
  const unreadable: ProblemDetail[] = [];
  if (from === undefined) unreadable.push({ path: "from", reason: `must be ${WHEN}, got "${q.from}"` });
  if (to === undefined) unreadable.push({ path: "to", reason: `must be ${WHEN}, got "${q.to}"` });
  if (from === undefined || to === undefined) throw invalid(unreadable);
  const calendar = calendarEdges(from, to, q.interval, zone, MAX_ENERGY_INTERVALS);
  if ("problem" in calendar) {
    throw invalid([
      calendar.problem === "empty"
        ? {
            path: "from",
            reason: `must be before to (from is ${isoInZone(from, zone)}, to is ${isoInZone(to, zone)})`,
          }
        : {
            path: "interval",
            reason: `gives more than ${calendar.max.toLocaleString("en-US")} ${q.interval}s from ${isoInZone(from, zone)} to ${isoInZone(to, zone)}; choose a larger interval or a shorter range`,
          },
    ]);
  }
  const maxGapSeconds = ctx.energyMaxGapSeconds;
  const quantities = await ctx.records.energy(source.id, calendar.edges, maxGapSeconds * 1000);
  return { source, timeZone: zone, interval: q.interval, maxGapSeconds, calendar, quantities };
}

function invalid(details: ProblemDetail[]): HubError {
  const summary = details.map((d) => `${d.path} ${d.reason}`).join("; ");
  return new HubError("VALIDATION_FAILED", `The energy query is not valid: ${summary}.`, details);
}
