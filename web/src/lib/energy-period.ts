import { addDays } from "./local-day.ts";

/** The periods the energy bars page through, and the bars each is split into. */
export const PERIOD_KINDS = ["day", "week", "month", "year"] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** The energy API's interval for each period's bars: a day of hours, a week or month of days, a year of months. */
export const BAR_INTERVAL: Readonly<Record<PeriodKind, "hour" | "day" | "month">> = {
  day: "hour",
  week: "day",
  month: "day",
  year: "month",
};

/** One period of calendar dates (YYYY-MM-DD) in the hub's zone: `from` inclusive, `to` exclusive. */
export interface Period {
  readonly kind: PeriodKind;
  readonly from: string;
  readonly to: string;
}

function parts(date: string): [number, number, number] {
  const [y = 1970, m = 1, d = 1] = date.split("-").map(Number);
  return [y, m, d];
}

const iso = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);

/** Day of the week of a calendar date, Monday 0 … Sunday 6. */
function weekday(date: string): number {
  const [y, m, d] = parts(date);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

/** The period of a kind that holds a calendar date (weeks start on Monday, as ISO weeks and the API's do). */
export function periodOf(kind: PeriodKind, date: string): Period {
  const [y, m] = parts(date);
  switch (kind) {
    case "day":
      return { kind, from: date, to: addDays(date, 1) };
    case "week": {
      const monday = addDays(date, -weekday(date));
      return { kind, from: monday, to: addDays(monday, 7) };
    }
    case "month":
      return { kind, from: iso(y, m, 1), to: iso(y, m + 1, 1) };
    case "year":
      return { kind, from: iso(y, 1, 1), to: iso(y + 1, 1, 1) };
  }
}

/** The period before (`step` -1) or after (+1) one of the same kind. */
export function shiftPeriod(period: Period, step: -1 | 1): Period {
  return periodOf(period.kind, step === 1 ? period.to : addDays(period.from, -1));
}

/** The ISO 8601 week of a date: its number and the year it belongs to (29 Dec 2025 is week 1 of 2026). */
export function isoWeek(date: string): { week: number; year: number } {
  // The week's Thursday decides its year; week 1 holds the year's first Thursday.
  const thursday = addDays(date, 3 - weekday(date));
  const [year] = parts(thursday);
  const dayOfYear = (Date.parse(thursday) - Date.UTC(year, 0, 1)) / 86_400_000;
  return { week: Math.floor(dayOfYear / 7) + 1, year };
}

/** The query of GET /api/datasources/{id}/energy for a period's bars. */
export function energyQuery(period: Period, zone: string): string {
  return new URLSearchParams({
    from: period.from,
    to: period.to,
    interval: BAR_INTERVAL[period.kind],
    tz: zone,
  }).toString();
}

/** A period in a page's query (?period=week&date=2026-11-23), so a reload keeps it; undefined if absent or bad. */
export function periodFromQuery(search: string): Period | undefined {
  const q = new URLSearchParams(search);
  const kind = q.get("period");
  const date = q.get("date") ?? "";
  if (!PERIOD_KINDS.includes(kind as PeriodKind) || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  if (iso(...parts(date)) !== date) return undefined; // 2026-02-30 and the like
  return periodOf(kind as PeriodKind, date);
}
