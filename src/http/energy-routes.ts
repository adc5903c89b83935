import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { HubError, type ProblemDetail } from "../domain/hub-error.ts";
import {
  CALENDAR_UNITS,
  calendarEdges,
  canonicalTimeZone,
  isoInZone,
  parseLocalInstant,
} from "../platform/calendar-intervals.ts";
import { sourceIdOf } from "./data-source-routes.ts";
import { energyDto } from "./energy-dto.ts";
import type { HttpContext } from "./http-context.ts";
import { validate } from "./validate.ts";

/** Most intervals one energy query may return: a year of hours (8,784) fits, 27 years of days do. */
export const MAX_ENERGY_INTERVALS = 10_000;

/** Query of GET /api/datasources/{id}/energy, before from and to are read in the zone. */
const energyQuery = z.strictObject({
  from: z.string().min(1, "must not be empty"),
  to: z.string().min(1, "must not be empty"),
  interval: z.enum(CALENDAR_UNITS).optional().default("day"),
  tz: z.string().optional(),
});

const WHEN =
  "a date (YYYY-MM-DD: local midnight), a local date-time (2026-03-29T06:00), an ISO instant with offset or Z, or epoch milliseconds";

/** Energy per local calendar hour, day, week or month, from total registers or integrated power. */
export function registerEnergyRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get("/api/datasources/:id/energy", async (request) => {
    const id = ctx.dataSources.get(sourceIdOf(request.params)).id;
    const q = validate(energyQuery, request.query, "energy query");
    const zone = q.tz === undefined ? ctx.energy.timeZone : canonicalTimeZone(q.tz);
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
    const quantities = await ctx.records.energy(id, calendar.edges, ctx.energy.maxGapSeconds * 1000);
    return energyDto(
      { dataSourceId: id, timeZone: zone, interval: q.interval, maxGapSeconds: ctx.energy.maxGapSeconds },
      calendar,
      quantities,
    );
  });
}

function invalid(details: ProblemDetail[]): HubError {
  const summary = details.map((d) => `${d.path} ${d.reason}`).join("; ");
  return new HubError("VALIDATION_FAILED", `The energy query is not valid: ${summary}.`, details);
}
