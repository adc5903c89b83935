import { Cron, type CronOptions, CronPattern } from "croner";

/**
 * Spring's 6-field cron schedules (`second minute hour day-of-month month day-of-week`), the format EDDIE
 * uses for transmission schedules, evaluated by the croner library in UTC.
 *
 * What this module adds to croner, so that a schedule means what it means to Spring:
 * - exactly 6 fields (croner would also take 5, without seconds);
 * - day-of-month AND day-of-week must both match (croner's `legacyMode: false`; Vixie cron ORs them);
 * - `?` is `*` in the two day fields and refused elsewhere (croner would put in the current time);
 * - Spring's `dL` (last d of the month) becomes croner's `d#L`; a range starting at Sunday as 7 (`7-1`)
 *   starts at 0, as in Spring;
 * - the macros @yearly @annually @monthly @weekly @daily @midnight @hourly, as 6-field patterns.
 * Refused although Spring knows them (croner 9 has no such rule): `L-n`, `LW` and `nW` in day-of-month.
 * UTC, not the server's zone as in Spring: the same answers on every machine and no daylight-saving jumps.
 */

/** A schedule that parsed; opaque apart from its text. */
export interface Schedule {
  /** The text as given. */
  readonly text: string;
  /** The pattern as croner reads it. */
  readonly pattern: string;
  readonly cron: Cron;
}

export type ScheduleParseResult =
  | { readonly ok: true; readonly schedule: Schedule }
  | { readonly ok: false; readonly reason: string };

const CRON_OPTIONS: CronOptions = { legacyMode: false, utcOffset: 0 };

// A Map, not an object literal: "constructor" must not find Object's.
const MACROS: ReadonlyMap<string, string> = new Map([
  ["@yearly", "0 0 0 1 1 *"],
  ["@annually", "0 0 0 1 1 *"],
  ["@monthly", "0 0 0 1 * *"],
  ["@weekly", "0 0 0 * * 0"],
  ["@daily", "0 0 0 * * *"],
  ["@midnight", "0 0 0 * * *"],
  ["@hourly", "0 0 * * * *"],
]);

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day-of-week", min: 0, max: 7 },
];
const DAY_OF_MONTH = 3;
const DAY_OF_WEEK = 5;

/** A problem with one field, found before croner sees it. */
class FieldError extends Error {}

/** Parses a Spring cron schedule; the reason of a failure names the field and what is wrong with it. */
export function parseSchedule(text: string): ScheduleParseResult {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, reason: "the cron expression is empty" };
  const fields = (MACROS.get(trimmed.toLowerCase()) ?? trimmed).split(/\s+/);
  if (fields.length !== 6) {
    return {
      ok: false,
      reason: `a cron expression needs 6 fields (second minute hour day-of-month month day-of-week), found ${fields.length}`,
    };
  }
  let springFields: string[];
  try {
    springFields = fields.map((field, index) => toCronerField(field, index));
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, reason: error.message };
    throw error;
  }
  const pattern = springFields.join(" ");
  try {
    return { ok: true, schedule: { text, pattern, cron: new Cron(pattern, CRON_OPTIONS) } };
  } catch (error) {
    return { ok: false, reason: blameField(fields, springFields) ?? cronerMessage(error) };
  }
}

function fieldError(index: number, element: string, why: string): FieldError {
  return new FieldError(`field ${index + 1} (${FIELDS[index]?.name}) "${element}": ${why}`);
}

/** Spring's field as croner reads it, or a FieldError for what croner would misread. */
function toCronerField(field: string, index: number): string {
  if (index !== DAY_OF_MONTH && index !== DAY_OF_WEEK) {
    if (field.includes("?")) throw fieldError(index, field, "? stands only in day-of-month and day-of-week");
    return field;
  }
  return field
    .split(",")
    .map((element) => {
      if (element === "?") return "*";
      return index === DAY_OF_MONTH ? dayOfMonthElement(element) : dayOfWeekElement(element.toUpperCase());
    })
    .join(",");
}

function dayOfMonthElement(element: string): string {
  if (element.includes("W"))
    throw fieldError(DAY_OF_MONTH, element, "W (nearest weekday) is not supported by this hub");
  if (element.startsWith("L-"))
    throw fieldError(DAY_OF_MONTH, element, "L-n (n days before the last) is not supported by this hub");
  if (element.includes("L") && element !== "L")
    throw fieldError(DAY_OF_MONTH, element, "L stands alone (the last day of the month)");
  return element;
}

function dayOfWeekElement(element: string): string {
  if (element.includes("#")) {
    const [day = "", nth = "", ...rest] = element.split("#");
    if (day === "" || nth === "" || rest.length > 0)
      throw fieldError(DAY_OF_WEEK, element, 'expected a day, # and a number ("1#2": the second Monday)');
    return element;
  }
  if (element.includes("L")) {
    if (!/^[0-7A-Z]+L$/.test(element) || element === "L")
      throw fieldError(DAY_OF_WEEK, element, 'L comes last, after a day ("5L": the last Friday)');
    return `${element.slice(0, -1)}#L`;
  }
  // Spring lets a range start at Sunday as 7 ("7-1" = Sunday and Monday); croner wants 0.
  return element.startsWith("7-") ? `0${element.slice(1)}` : element;
}

/** The first field croner refuses on its own, with croner's reason; undefined when only the whole fails. */
function blameField(fields: readonly string[], cronerFields: readonly string[]): string | undefined {
  for (let index = 0; index < cronerFields.length; index += 1) {
    const alone = cronerFields.map((field, other) => (other === index ? field : "*")).join(" ");
    try {
      new CronPattern(alone);
    } catch (error) {
      const spec = FIELDS[index];
      // croner names values by its own 0-based index for days and months: name the allowed range instead.
      const why =
        error instanceof RangeError && spec !== undefined
          ? `a value is outside ${spec.min}-${spec.max}`
          : cronerMessage(error);
      return fieldError(index, fields[index] ?? "", why).message;
    }
  }
  return undefined;
}

function cronerMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/^Cron\w*: /, "");
}

/** The first firing strictly after `afterMs` (epoch ms); undefined when it never fires (croner looks until the year 3000). */
export function nextFireTime(schedule: Schedule, afterMs: number): number | undefined {
  return schedule.cron.nextRun(new Date(afterMs))?.getTime();
}

/** Up to `count` firings strictly after `afterMs`, ascending. */
export function nextFireTimes(schedule: Schedule, afterMs: number, count: number): number[] {
  return schedule.cron.nextRuns(count, new Date(afterMs)).map((date) => date.getTime());
}

const DAY_MS = 86_400_000;
/** Where the search for firing days starts: 2000-01-01T00:00:00Z. */
const FIRING_DAYS_FROM = Date.UTC(2000, 0, 1);
/** How far it looks: 2000..2099 holds every weekday and leap-year combination of the 28-year cycle. */
const FIRING_DAYS_UNTIL = Date.UTC(2100, 0, 1);
const MAX_FIRING_DAYS = 2000;

/**
 * The shortest time between two consecutive firings, in seconds; undefined when the schedule never fires.
 * Every firing day of a cron schedule has the same times of day, so the shortest gap is the shorter of
 * (a) the closest two times of one day, exact from croner's parsed fields, and (b) the closest two firing
 * days, from the last time of the one to the first time of the next. (b) is found with croner's nextRun,
 * walking the firing days from 2000-01-01 UTC for 100 years or 2,000 firing days, whichever ends first,
 * and stopping at once at two firing days in a row (nothing is closer).
 */
export function shortestIntervalSeconds(schedule: Schedule): number | undefined {
  const first = schedule.cron.nextRun(new Date(FIRING_DAYS_FROM - 1000));
  if (first === null) return undefined;
  const times = timesOfDay(new CronPattern(schedule.pattern));
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < times.length; i += 1)
    shortest = Math.min(shortest, (times[i] ?? 0) - (times[i - 1] ?? 0));
  const dayGap = shortestDayGap(schedule.cron, Math.floor(first.getTime() / DAY_MS));
  if (dayGap !== undefined) {
    shortest = Math.min(shortest, dayGap * 86_400 - (times[times.length - 1] ?? 0) + (times[0] ?? 0));
  }
  // A schedule firing once in the window: its one gap is longer than the window.
  return Number.isFinite(shortest) ? shortest : (FIRING_DAYS_UNTIL - FIRING_DAYS_FROM) / 1000;
}

/** Seconds of the day (0..86399) at which a firing day fires, ascending. */
function timesOfDay(pattern: CronPattern): number[] {
  const set = (bits: readonly number[]): number[] => bits.flatMap((bit, value) => (bit ? [value] : []));
  const times: number[] = [];
  for (const h of set(pattern.hour))
    for (const m of set(pattern.minute))
      for (const s of set(pattern.second)) times.push(h * 3600 + m * 60 + s);
  return times;
}

function shortestDayGap(cron: Cron, firstDay: number): number | undefined {
  let shortest: number | undefined;
  let day = firstDay;
  for (let count = 1; count < MAX_FIRING_DAYS; count += 1) {
    // The last second of the day: the next firing is the first of the next firing day.
    const next = cron.nextRun(new Date((day + 1) * DAY_MS - 1000));
    if (next === null || next.getTime() >= FIRING_DAYS_UNTIL) break;
    const nextDay = Math.floor(next.getTime() / DAY_MS);
    shortest = Math.min(shortest ?? Number.POSITIVE_INFINITY, nextDay - day);
    if (shortest === 1) break;
    day = nextDay;
  }
  return shortest;
}

/** A running schedule: `onFire` is called at each firing (epoch ms of the firing) until stopped. */
export interface RunningSchedule {
  stop(): void;
}

/** Runs `onFire` at every firing of the schedule (which handles its own errors) until stopped. */
export function runSchedule(schedule: Schedule, onFire: (fireTime: number) => void): RunningSchedule {
  const job = new Cron(schedule.pattern, { ...CRON_OPTIONS, catch: true }, (self: Cron) => {
    onFire(self.currentRun()?.getTime() ?? Date.now());
  });
  return { stop: () => job.stop() };
}
