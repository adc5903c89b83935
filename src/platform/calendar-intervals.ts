import { DateTime, IANAZone } from "luxon";

/** A calendar unit that intervals follow: local hours, days, ISO weeks (from Monday) or months. */
export type CalendarUnit = "hour" | "day" | "week" | "month";

/** The calendar units, in order of size. */
export const CALENDAR_UNITS = ["hour", "day", "week", "month"] as const satisfies readonly CalendarUnit[];

/** Edges of consecutive calendar intervals, with the zone's offset from UTC at each edge. */
export interface CalendarEdges {
  /** Ascending epoch ms; n + 1 edges make n intervals. */
  readonly edges: readonly number[];
  /** Minutes east of UTC at each edge (+60 for CET, +120 for CEST). */
  readonly offsets: readonly number[];
}

/** Why intervals could not be made: the range is empty, or it holds more intervals than allowed. */
export type CalendarIntervalsProblem =
  | { readonly problem: "empty" }
  | { readonly problem: "too-many"; readonly max: number };

const HOUR_MS = 3_600_000;

/** How far ahead one offset look-up vouches for: offsets change at most twice a year, never twice in a week. */
const LOOK_AHEAD_MS = 7 * 24 * HOUR_MS;

/** How long a unit is while the zone's offset does not change; months vary, so they have none. */
const STEADY_LENGTH: Readonly<Record<CalendarUnit, number | undefined>> = {
  hour: HOUR_MS,
  day: 24 * HOUR_MS,
  week: 7 * 24 * HOUR_MS,
  month: undefined,
};

/**
 * The canonical spelling of an IANA time zone (europe/vienna → Europe/Vienna), or undefined when the
 * zone is unknown to Node's ICU.
 */
export function canonicalTimeZone(name: string): string | undefined {
  try {
    // The constructor throws RangeError for a zone ICU does not know; it returns the canonical spelling.
    const canonical = new Intl.DateTimeFormat("en", { timeZone: name }).resolvedOptions().timeZone;
    // Only zones luxon can do arithmetic in (an offset such as +02:00 is no IANA zone).
    return IANAZone.isValidZone(canonical) ? canonical : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a point in time given as epoch milliseconds, an ISO instant with offset or Z, an ISO local
 * date-time without one, or a plain date (YYYY-MM-DD: local midnight); local ones are read in `zone`.
 * A local time that a daylight-saving change skips is moved forward by the change. Undefined when
 * the text is none of these.
 */
export function parseLocalInstant(text: string, zone: string): number | undefined {
  const trimmed = text.trim();
  const parsed = /^-?\d+$/.test(trimmed)
    ? DateTime.fromMillis(Number(trimmed), { zone })
    : DateTime.fromISO(trimmed, { zone });
  // Invalid too: epoch ms beyond what a Date holds (±8.64e15).
  return parsed.isValid ? parsed.toMillis() : undefined;
}

/**
 * The edges of whole calendar intervals in `zone` that overlap [from, to): the first edge is the start
 * of the unit holding `from`, the last the end of the unit holding `to − 1 ms`. Days follow the local
 * calendar, so a daylight-saving day has 23 or 25 hours; weeks start on Monday (ISO). Refuses an empty
 * range, and a range of more than `max` intervals (counted while they are made, so a huge range costs
 * no more than `max` steps).
 *
 * While the zone's offset stays the same, the next hour, day or week is plain arithmetic, with one
 * offset look-up a week; only where the offset changes is the calendar consulted (luxon's arithmetic
 * per edge made 10,000 hours cost half a second). An offset that changes and changes back within a
 * week is not seen (no zone does that).
 */
export function calendarEdges(
  from: number,
  to: number,
  unit: CalendarUnit,
  zone: string,
  max: number,
): CalendarEdges | CalendarIntervalsProblem {
  if (!(from < to) || !Number.isFinite(from)) return { problem: "empty" };
  const offsetAt = (ms: number) => IANAZone.create(zone).offset(ms);
  const steady = STEADY_LENGTH[unit];
  let edge = DateTime.fromMillis(from, { zone }).startOf(unit).toMillis();
  let offset = offsetAt(edge);
  /** Up to here the offset is known to be `offset`. */
  let steadyUntil = edge;
  const edges = [edge];
  const offsets = [offset];
  while (edge < to) {
    if (edges.length > max) return { problem: "too-many", max };
    const candidate = steady === undefined ? undefined : edge + steady;
    if (candidate !== undefined && candidate > steadyUntil) {
      // One look-up a week ahead vouches for every hour until then.
      const ahead = candidate + LOOK_AHEAD_MS;
      if (offsetAt(ahead) === offset) steadyUntil = ahead;
      else if (offsetAt(candidate) === offset) steadyUntil = candidate;
    }
    if (candidate !== undefined && candidate <= steadyUntil) {
      edge = candidate;
    } else {
      edge = nextUnitStart(edge, unit, zone);
      offset = offsetAt(edge);
      steadyUntil = edge;
    }
    edges.push(edge);
    offsets.push(offset);
  }
  return { edges, offsets };
}

/**
 * The start of the next unit on the local clock, by calendar arithmetic. Where the clock goes back
 * by less than the unit (Lord Howe Island's half hour), one step lands on a time the clock shows
 * twice and its unit's start is not a start on the clock: the next step is taken instead.
 */
function nextUnitStart(edge: number, unit: CalendarUnit, zone: string): number {
  const at = DateTime.fromMillis(edge, { zone });
  for (let steps = 1; steps <= 3; steps++) {
    const next = at
      .plus({ [unit]: steps })
      .startOf(unit)
      .toMillis();
    if (next > edge && DateTime.fromMillis(next, { zone }).startOf(unit).toMillis() === next) return next;
  }
  throw new Error(`no next ${unit} after ${new Date(edge).toISOString()} in ${zone}`);
}

/** An instant as ISO 8601 with the given offset: 2026-03-29T00:00:00+01:00. */
export function isoWithOffset(ms: number, offsetMinutes: number): string {
  const minutes = Math.round(offsetMinutes);
  const local = new Date(ms + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, "");
  const size = Math.abs(minutes);
  const hh = String(Math.floor(size / 60)).padStart(2, "0");
  const mm = String(size % 60).padStart(2, "0");
  return `${local}${minutes < 0 ? "-" : "+"}${hh}:${mm}`;
}

/** An instant as ISO 8601 with the zone's offset at that instant. */
export function isoInZone(ms: number, zone: string): string {
  return isoWithOffset(ms, IANAZone.create(zone).offset(ms));
}
