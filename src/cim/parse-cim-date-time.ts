import { showPrimitive } from "./json-value.ts";

/** Outcome of reading a CIM date-time: epoch milliseconds, or why the text is not acceptable. */
export type CimDateTimeResult =
  | { readonly ok: true; readonly epochMs: number }
  | { readonly ok: false; readonly reason: string };

// Seconds are optional as in Java's ISO_ZONED_DATE_TIME, which AIIDA parses with; the zone is not optional.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})$/;
const WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_OFFSET_MINUTES = 18 * 60;

/**
 * Parses an ISO-8601 date-time with a zone (`Z` or `±hh:mm`), e.g. `2025-07-01T07:43:59.073747585Z`.
 * Fractions of any length are truncated to milliseconds; impossible dates such as February 30 are refused.
 */
export function parseCimDateTime(text: string): CimDateTimeResult {
  const shown = showPrimitive(text);
  const match = DATE_TIME.exec(text);
  if (!match) {
    if (WITHOUT_ZONE.test(text))
      return refuse(`${shown} has no time zone (add Z or an offset such as +02:00)`);
    if (DATE_ONLY.test(text))
      return refuse(`${shown} is a date without a time (expected e.g. 2025-07-01T07:43:59Z)`);
    return refuse(`${shown} is not an ISO-8601 date-time with a zone (expected e.g. 2025-07-01T07:43:59Z)`);
  }
  const [, yearText, monthText, dayText, hourText, minuteText, secondText, fraction, zone] = match;
  const year = Number(yearText);
  const month = Number(monthText);
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText ?? "0");
  if (month < 1 || month > 12) return refuse(`${shown} is not a real date: there is no month ${month}`);
  const monthLength = daysInMonth(year, month);
  if (day < 1 || day > monthLength) {
    return refuse(`${shown} is not a real date: ${yearText}-${monthText} has days 01 to ${monthLength}`);
  }
  if (hour > 23 || minute > 59 || second > 59) return refuse(`${shown} is not a real time of day`);
  const offsetMinutes = zoneOffsetMinutes(zone ?? "Z");
  if (offsetMinutes === undefined) return refuse(`${shown} has an impossible offset (at most ±18:00)`);
  // Truncated, not rounded: rounding .9995 up could move the value into the next second or day.
  const millis = Number((fraction ?? "").slice(0, 3).padEnd(3, "0"));
  const date = new Date(0);
  // Not Date.UTC: it maps the years 0..99 to 1900..1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return { ok: true, epochMs: date.getTime() - offsetMinutes * 60_000 };
}

function refuse(reason: string): CimDateTimeResult {
  return { ok: false, reason };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Minutes east of UTC for "Z" or "±hh:mm"; undefined when no real offset looks like that. */
function zoneOffsetMinutes(zone: string): number | undefined {
  if (zone === "Z") return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  const total = hours * 60 + minutes;
  if (minutes > 59 || total > MAX_OFFSET_MINUTES) return undefined;
  return zone.startsWith("-") ? -total : total;
}
