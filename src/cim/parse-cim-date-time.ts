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
  // Nearly every device sends the common UTC form; the general path below decides (and explains) all else.
  const common = parseCommonUtcForm(text);
  if (common !== undefined) return { ok: true, epochMs: common };
  const match = DATE_TIME.exec(text);
  if (!match) {
    if (WITHOUT_ZONE.test(text)) return refuse(text, "has no time zone (add Z or an offset such as +02:00)");
    if (DATE_ONLY.test(text))
      return refuse(text, "is a date without a time (expected e.g. 2025-07-01T07:43:59Z)");
    return refuse(text, "is not an ISO-8601 date-time with a zone (expected e.g. 2025-07-01T07:43:59Z)");
  }
  const [, yearText, monthText, dayText, hourText, minuteText, secondText, fraction, zone] = match;
  const year = Number(yearText);
  const month = Number(monthText);
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText ?? "0");
  if (month < 1 || month > 12) return refuse(text, `is not a real date: there is no month ${month}`);
  const monthLength = daysInMonth(year, month);
  if (day < 1 || day > monthLength) {
    return refuse(text, `is not a real date: ${yearText}-${monthText} has days 01 to ${monthLength}`);
  }
  if (hour > 23 || minute > 59 || second > 59) return refuse(text, "is not a real time of day");
  const offsetMinutes = zoneOffsetMinutes(zone ?? "Z");
  if (offsetMinutes === undefined) return refuse(text, "has an impossible offset (at most ±18:00)");
  // Truncated, not rounded: rounding .9995 up could move the value into the next second or day.
  const millis = Number((fraction ?? "").slice(0, 3).padEnd(3, "0"));
  const date = new Date(0);
  // Not Date.UTC: it maps the years 0..99 to 1900..1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return { ok: true, epochMs: date.getTime() - offsetMinutes * 60_000 };
}

/** The reason for refusing `text`; the text is shown (cut short) only here, as refusals are rare. */
function refuse(text: string, what: string): CimDateTimeResult {
  return { ok: false, reason: `${showPrimitive(text)} ${what}` };
}

const DIGIT_0 = 0x30;
const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const LETTER_T = 0x54;
const LETTER_Z = 0x5a;
// "2025-07-01T07:43:59Z": the shortest text of the common form.
const COMMON_FORM_MIN_LENGTH = 20;

/**
 * Epoch milliseconds of `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (what devices send nearly always), read by character
 * codes; undefined for any other text and for values that are not real, which the general path then handles.
 */
function parseCommonUtcForm(text: string): number | undefined {
  const length = text.length;
  if (length < COMMON_FORM_MIN_LENGTH || text.charCodeAt(length - 1) !== LETTER_Z) return undefined;
  if (
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    text.charCodeAt(10) !== LETTER_T ||
    text.charCodeAt(13) !== COLON ||
    text.charCodeAt(16) !== COLON
  ) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const millis = fractionMillis(text, 19, length - 1);
  // Years 0..99 go the general way: Date.UTC would map them to 1900..1999.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || millis < 0) {
    return undefined;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

/** The number written by the `count` ASCII digits at `start`; -1 when any of them is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - DIGIT_0;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Milliseconds of the fraction between `start` and `end` (nothing, or a dot and at least one digit), truncated
 * like the general path; -1 when the characters there are anything else.
 */
function fractionMillis(text: string, start: number, end: number): number {
  if (start === end) return 0;
  if (text.charCodeAt(start) !== DOT || end - start < 2) return -1;
  let millis = 0;
  for (let i = start + 1; i < end; i++) {
    const digit = text.charCodeAt(i) - DIGIT_0;
    if (digit < 0 || digit > 9) return -1;
    // Digits after the third still have to be digits, but do not count.
    if (i <= start + 3) millis = millis * 10 + digit;
  }
  // ".5" means 500 ms and ".07" 70 ms.
  for (let counted = Math.min(end - start - 1, 3); counted < 3; counted++) millis *= 10;
  return millis;
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
