import { currentLocale, t } from "../i18n/i18n.ts";

/** The zone times are shown in: the hub's (set once its catalogue is read), else the browser's. */
let displayTimeZone: string | undefined;
let dateTime = dateTimeFormat();

function dateTimeFormat(): Intl.DateTimeFormat {
  // timeStyle "long" names the zone ("CET", "GMT+1"): a time is never shown without saying whose.
  return new Intl.DateTimeFormat(currentLocale(), {
    dateStyle: "medium",
    timeStyle: "long",
    ...(displayTimeZone !== undefined && { timeZone: displayTimeZone }),
  });
}

/** Shows times in the hub's time zone from now on (energy days follow it too). */
export function setDisplayTimeZone(zone: string): void {
  displayTimeZone = zone;
  dateTime = dateTimeFormat();
}

/** The zone times are shown in, for other formatters (charts, ranges). */
export function displayZone(): string {
  return displayTimeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}
const number = new Intl.NumberFormat(currentLocale(), { maximumFractionDigits: 3 });
const integer = new Intl.NumberFormat(currentLocale(), { maximumFractionDigits: 0 });

/** A date and time in the reader's locale and the hub's time zone, with the zone's name. */
export function formatTime(iso: string | number | null): string {
  if (iso === null) return t("time.never");
  return dateTime.format(new Date(iso));
}

/** How long ago, in words: "12 s ago", "5 min ago". */
export function timeAgo(iso: string | null, now = Date.now()): string {
  if (iso === null) return t("time.never");
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return t("time.secondsAgo", { n: seconds });
  if (seconds < 3600) return t("time.minutesAgo", { n: Math.round(seconds / 60) });
  if (seconds < 86_400) return t("time.hoursAgo", { n: Math.round(seconds / 3600) });
  return t("time.daysAgo", { n: Math.round(seconds / 86_400) });
}

/** A measured value with up to three decimals, grouped in the reader's locale. */
export function formatValue(value: number): string {
  return number.format(value);
}

/** A count. */
export function formatCount(value: number): string {
  return integer.format(value);
}

/** A unit for display; AIIDA's "none" (power factor) shows as nothing. */
export function formatUnit(unit: string | undefined): string {
  return unit === undefined || unit === "none" || unit === "unknown" ? "" : unit;
}

/** An AIIDA enum name in words: POSITIVE_ACTIVE_ENERGY_IN_PHASE_L1 → "Positive active energy in phase L1". */
export function humanize(name: string): string {
  const words = name
    .split(/[_-]+/)
    .filter((w) => w !== "")
    .map((w) => (/^L\d$/.test(w) ? w : w.toLowerCase()));
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A `datetime-local` input's value for an instant, in local time. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** An instant from a `datetime-local` input's value (local time), or NaN. */
export function fromLocalInput(value: string): number {
  return value === "" ? Number.NaN : new Date(value).getTime();
}
