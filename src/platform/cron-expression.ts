/**
 * Spring's 6-field cron expressions (`second minute hour day-of-month month day-of-week`), the format
 * EDDIE uses for transmission schedules, parsed by the rules of Spring 6's CronExpression:
 * - fields are separated by spaces; `*`, `n`, `a-b`, lists with `,`, steps `*\/s`, `a/s` (= a..max/s), `a-b/s`;
 * - `?` means `*` in day-of-month and day-of-week;
 * - months may be written JAN..DEC, days of the week MON..SUN (any case); 0 and 7 are both Sunday;
 * - day-of-month also takes `L` (last day), `L-n` (n days before the last), `LW` (last weekday),
 *   `nW` (weekday nearest to day n); day-of-week also takes `dL` (last d of the month) and `d#n` (n-th d);
 * - day-of-month and day-of-week must BOTH match (Spring's rule, unlike classic Unix cron);
 * - the macros @yearly @annually @monthly @weekly @daily @midnight @hourly.
 * Differences, on purpose: numbers are ASCII digits without a sign (Java's parseInt would take "+5"),
 * and `L-n` means a day of the same month (Spring lets a large n reach into the month before).
 */

/** One alternative of the day-of-month field. */
export type DayOfMonthRule =
  | { readonly kind: "days"; readonly days: ReadonlySet<number> }
  | { readonly kind: "last"; readonly offset: number }
  | { readonly kind: "lastWeekday" }
  | { readonly kind: "nearestWeekday"; readonly day: number };

/** One alternative of the day-of-week field; days of the week are 1 = Monday … 7 = Sunday. */
export type DayOfWeekRule =
  | { readonly kind: "weekdays"; readonly weekdays: ReadonlySet<number> }
  | { readonly kind: "lastInMonth"; readonly weekday: number }
  | { readonly kind: "nthInMonth"; readonly weekday: number; readonly nth: number };

/** A parsed cron expression. A day fires when its month, one day-of-month rule and one day-of-week rule match. */
export interface CronExpression {
  /** The text as given. */
  readonly text: string;
  /** Seconds of the day (0..86399) at which a firing day fires, ascending. */
  readonly timesOfDay: readonly number[];
  readonly months: ReadonlySet<number>;
  readonly daysOfMonth: readonly DayOfMonthRule[];
  readonly daysOfWeek: readonly DayOfWeekRule[];
}

export type CronParseResult =
  | { readonly ok: true; readonly expression: CronExpression }
  | { readonly ok: false; readonly reason: string };

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
  readonly position: number;
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

const SECOND: FieldSpec = { position: 1, name: "second", min: 0, max: 59 };
const MINUTE: FieldSpec = { position: 2, name: "minute", min: 0, max: 59 };
const HOUR: FieldSpec = { position: 3, name: "hour", min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { position: 4, name: "day-of-month", min: 1, max: 31 };
const MONTH: FieldSpec = { position: 5, name: "month", min: 1, max: 12 };
const DAY_OF_WEEK: FieldSpec = { position: 6, name: "day-of-week", min: 0, max: 7 };

const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

/** A problem with one field; caught in parseCronExpression and turned into its reason. */
class FieldError extends Error {}

/** Parses a Spring cron expression; the reason of a failure names the field and what is wrong with it. */
export function parseCronExpression(text: string): CronParseResult {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, reason: "the cron expression is empty" };
  const expanded = MACROS.get(trimmed.toLowerCase()) ?? trimmed;
  const fields = expanded.split(/\s+/);
  if (fields.length !== 6) {
    return {
      ok: false,
      reason: `a cron expression needs 6 fields (second minute hour day-of-month month day-of-week), found ${fields.length}`,
    };
  }
  const [second = "", minute = "", hour = "", dayOfMonth = "", month = "", dayOfWeek = ""] = fields;
  try {
    const seconds = parseBitsField(second, SECOND);
    const minutes = parseBitsField(minute, MINUTE);
    const hours = parseBitsField(hour, HOUR);
    const expression: CronExpression = {
      text,
      timesOfDay: timesOfDay(hours, minutes, seconds),
      daysOfMonth: parseDaysOfMonth(dayOfMonth),
      months: parseBitsField(replaceNames(month, MONTH_NAMES), MONTH),
      daysOfWeek: parseDaysOfWeek(replaceNames(dayOfWeek, DAY_NAMES)),
    };
    return { ok: true, expression };
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, reason: error.message };
    throw error;
  }
}

function timesOfDay(
  hours: ReadonlySet<number>,
  minutes: ReadonlySet<number>,
  seconds: ReadonlySet<number>,
): number[] {
  const times: number[] = [];
  for (const h of [...hours].sort((a, b) => a - b))
    for (const m of [...minutes].sort((a, b) => a - b))
      for (const s of [...seconds].sort((a, b) => a - b)) times.push(h * 3600 + m * 60 + s);
  return times;
}

/** Spring replaces names by their 1-based number anywhere in the field, in upper case. */
function replaceNames(field: string, names: readonly string[]): string {
  let result = field.toUpperCase();
  names.forEach((name, index) => {
    result = result.replaceAll(name, String(index + 1));
  });
  return result;
}

function fail(spec: FieldSpec, element: string, why: string): never {
  throw new FieldError(`field ${spec.position} (${spec.name}) "${element}": ${why}`);
}

function parseNumber(text: string, spec: FieldSpec, element: string): number {
  if (!/^\d+$/.test(text)) fail(spec, element, `"${text}" is not a number`);
  return Number(text);
}

function checkInRange(value: number, spec: FieldSpec, element: string): number {
  if (value < spec.min || value > spec.max)
    fail(spec, element, `${value} is outside ${spec.min}-${spec.max}`);
  return value;
}

/** The elements of a comma-separated list; none may be empty. */
function listElements(field: string, spec: FieldSpec): string[] {
  const elements = field.split(",");
  if (elements.includes("")) fail(spec, field, "a list element is empty");
  return elements;
}

/** A field of numbers, ranges, steps and lists, as the set of values it matches. */
function parseBitsField(field: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const element of listElements(field, spec)) addElement(values, element, spec);
  if (spec === DAY_OF_WEEK && values.delete(0)) values.add(7); // Sunday is 7, as in java.time
  return values;
}

function addElement(values: Set<number>, element: string, spec: FieldSpec): void {
  const isDay = spec === DAY_OF_MONTH || spec === DAY_OF_WEEK;
  const slash = element.indexOf("/");
  const rangeText = slash === -1 ? element : element.slice(0, slash);
  let [from, to] = parseRange(isDay && rangeText === "?" ? "*" : rangeText, spec, element);
  let step = 1;
  if (slash !== -1) {
    step = parseNumber(element.slice(slash + 1), spec, element);
    if (step < 1) fail(spec, element, "the step must be 1 or more");
    if (!rangeText.includes("-")) to = spec.max; // "a/s" runs from a to the end of the field
  }
  for (; from <= to; from += step) values.add(from);
}

function parseRange(text: string, spec: FieldSpec, element: string): [number, number] {
  if (text === "*") return [spec.min, spec.max];
  const hyphen = text.indexOf("-");
  if (hyphen === -1) {
    const value = checkInRange(parseNumber(text, spec, element), spec, element);
    return [value, value];
  }
  let from = checkInRange(parseNumber(text.slice(0, hyphen), spec, element), spec, element);
  const to = checkInRange(parseNumber(text.slice(hyphen + 1), spec, element), spec, element);
  if (spec === DAY_OF_WEEK && from === 7) from = 0; // as the start of a range, Sunday counts as 0
  if (from > to) fail(spec, element, `the range runs backwards (${from} > ${to})`);
  return [from, to];
}

function parseDaysOfMonth(field: string): DayOfMonthRule[] {
  const rules: DayOfMonthRule[] = [];
  const days = new Set<number>();
  for (const element of listElements(field, DAY_OF_MONTH)) {
    if (element.includes("L") || element.includes("W")) rules.push(parseQuartzDayOfMonth(element));
    else addElement(days, element, DAY_OF_MONTH);
  }
  if (days.size > 0) rules.unshift({ kind: "days", days });
  return rules;
}

function parseQuartzDayOfMonth(element: string): DayOfMonthRule {
  const spec = DAY_OF_MONTH;
  if (element === "L") return { kind: "last", offset: 0 };
  if (element === "LW") return { kind: "lastWeekday" };
  if (element.startsWith("L-")) {
    const offset = parseNumber(element.slice(2), spec, element);
    if (offset < 1 || offset > 30) fail(spec, element, "the offset after L- must be 1-30");
    return { kind: "last", offset };
  }
  if (element.includes("L")) fail(spec, element, 'L stands alone or as "LW" or "L-n"');
  if (!element.endsWith("W") || element.indexOf("W") !== element.length - 1)
    fail(spec, element, 'W comes last, after a day ("15W")');
  if (element === "W") fail(spec, element, 'W needs a day before it ("15W")');
  return {
    kind: "nearestWeekday",
    day: checkInRange(parseNumber(element.slice(0, -1), spec, element), spec, element),
  };
}

function parseDaysOfWeek(field: string): DayOfWeekRule[] {
  const rules: DayOfWeekRule[] = [];
  const plain: string[] = [];
  for (const element of listElements(field, DAY_OF_WEEK)) {
    if (element.includes("L") || element.includes("#")) rules.push(parseQuartzDayOfWeek(element));
    else plain.push(element);
  }
  if (plain.length > 0)
    rules.unshift({ kind: "weekdays", weekdays: parseBitsField(plain.join(","), DAY_OF_WEEK) });
  return rules;
}

function parseQuartzDayOfWeek(element: string): DayOfWeekRule {
  const spec = DAY_OF_WEEK;
  const weekday = (text: string): number => {
    if (text === "") fail(spec, element, 'a day of the week must come first ("5L", "1#2")');
    const day = checkInRange(parseNumber(text, spec, element), spec, element);
    return day === 0 ? 7 : day;
  };
  if (element.includes("L")) {
    if (element.indexOf("L") !== element.length - 1) fail(spec, element, 'L comes last, after a day ("5L")');
    return { kind: "lastInMonth", weekday: weekday(element.slice(0, -1)) };
  }
  const hash = element.indexOf("#");
  const nthText = element.slice(hash + 1);
  if (nthText === "") fail(spec, element, 'a number must follow # ("1#2")');
  const nth = parseNumber(nthText, spec, element);
  if (nth < 1) fail(spec, element, "the number after # must be 1 or more");
  return { kind: "nthInMonth", weekday: weekday(element.slice(0, hash)), nth };
}
