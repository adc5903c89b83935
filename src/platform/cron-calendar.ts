import type { CronExpression, DayOfMonthRule, DayOfWeekRule } from "./cron-expression.ts";

// When a cron expression fires, in UTC. Spring evaluates in the server's time zone; UTC gives the same
// answers on every machine and has no daylight-saving jumps.

/** The Gregorian calendar repeats every 400 years, weekdays included (146,097 days = 20,871 weeks). */
const CYCLE_DAYS = 146_097;
const DAY_SECONDS = 86_400;

/** One UTC calendar day, walked forward one day at a time without Date objects. */
interface Day {
  /** Days since 1970-01-01. */
  index: number;
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
  /** 1 = Monday … 7 = Sunday */
  weekday: number;
  /** Number of days of this month. */
  length: number;
}

function monthLength(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function dayAt(index: number): Day {
  const date = new Date(index * DAY_SECONDS * 1000);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + 1;
  return {
    index,
    year,
    month,
    day: date.getUTCDate(),
    weekday: ((date.getUTCDay() + 6) % 7) + 1,
    length: monthLength(year, month),
  };
}

function advance(d: Day): void {
  d.index += 1;
  d.weekday = (d.weekday % 7) + 1;
  if (d.day < d.length) {
    d.day += 1;
    return;
  }
  d.day = 1;
  if (d.month < 12) d.month += 1;
  else {
    d.month = 1;
    d.year += 1;
  }
  d.length = monthLength(d.year, d.month);
}

/** Weekday (1..7) of another day `dayOfMonth` of the same month as `d`. */
function weekdayOf(d: Day, dayOfMonth: number): number {
  return ((((d.weekday - 1 + dayOfMonth - d.day) % 7) + 7) % 7) + 1;
}

function lastWeekday(d: Day): number {
  const weekday = weekdayOf(d, d.length);
  return weekday === 6 ? d.length - 1 : weekday === 7 ? d.length - 2 : d.length;
}

/** The weekday nearest to `target` within the month (never crossing into another month); undefined if no such day. */
function nearestWeekday(d: Day, target: number): number | undefined {
  if (target > d.length) return undefined;
  const weekday = weekdayOf(d, target);
  if (weekday === 6) return target > 1 ? target - 1 : target + 2;
  if (weekday === 7) return target < d.length ? target + 1 : target - 2;
  return target;
}

function dayOfMonthMatches(rule: DayOfMonthRule, d: Day): boolean {
  switch (rule.kind) {
    case "days":
      return rule.days.has(d.day);
    case "last":
      return d.day === d.length - rule.offset;
    case "lastWeekday":
      return d.day === lastWeekday(d);
    case "nearestWeekday":
      return d.day === nearestWeekday(d, rule.day);
  }
}

function dayOfWeekMatches(rule: DayOfWeekRule, d: Day): boolean {
  if (rule.kind === "weekdays") return rule.weekdays.has(d.weekday);
  if (d.weekday !== rule.weekday) return false;
  return rule.kind === "lastInMonth" ? d.day + 7 > d.length : Math.ceil(d.day / 7) === rule.nth;
}

function fires(expression: CronExpression, d: Day): boolean {
  return (
    expression.months.has(d.month) &&
    expression.daysOfMonth.some((rule) => dayOfMonthMatches(rule, d)) &&
    expression.daysOfWeek.some((rule) => dayOfWeekMatches(rule, d))
  );
}

/** Index of the first time of day ≥ `second`, or -1. */
function firstTimeFrom(times: readonly number[], second: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((times[mid] ?? 0) < second) low = mid + 1;
    else high = mid;
  }
  return low < times.length ? low : -1;
}

/** The first time the expression fires strictly after `afterMs` (epoch ms, whole seconds); undefined if it never fires. */
export function nextFireTime(expression: CronExpression, afterMs: number): number | undefined {
  const start = Math.floor(afterMs / 1000) + 1;
  const d = dayAt(Math.floor(start / DAY_SECONDS));
  let fromSecond = start - d.index * DAY_SECONDS;
  // Whatever fires at all fires within any 400 years: one cycle and the rest of the first day suffice.
  for (let i = 0; i <= CYCLE_DAYS; i += 1) {
    const at = fires(expression, d) ? firstTimeFrom(expression.timesOfDay, fromSecond) : -1;
    if (at !== -1) return (d.index * DAY_SECONDS + (expression.timesOfDay[at] ?? 0)) * 1000;
    advance(d);
    fromSecond = 0;
  }
  return undefined;
}

/**
 * The shortest time between two consecutive firings, in seconds, over all time: the expression repeats
 * every 400 years, so one cycle decides it exactly. Undefined when the expression never fires
 * (e.g. 30 February). An expression firing once per cycle counts as 400 years.
 */
export function shortestIntervalSeconds(expression: CronExpression): number | undefined {
  const d = dayAt(0);
  let first: number | undefined;
  let previous: number | undefined;
  let shortestDayGap = Number.POSITIVE_INFINITY;
  for (let i = 0; i < CYCLE_DAYS; i += 1) {
    if (fires(expression, d)) {
      if (previous !== undefined) shortestDayGap = Math.min(shortestDayGap, d.index - previous);
      first ??= d.index;
      previous = d.index;
    }
    advance(d);
  }
  if (first === undefined || previous === undefined) return undefined;
  shortestDayGap = Math.min(shortestDayGap, first + CYCLE_DAYS - previous); // from the cycle's last firing day to the next cycle's first
  const times = expression.timesOfDay;
  const earliest = times[0] ?? 0;
  const latest = times[times.length - 1] ?? 0;
  let shortest = shortestDayGap * DAY_SECONDS - latest + earliest;
  for (let i = 1; i < times.length; i += 1)
    shortest = Math.min(shortest, (times[i] ?? 0) - (times[i - 1] ?? 0));
  return shortest;
}
