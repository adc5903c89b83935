import { DateTime } from "luxon";
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

/** A value with its unit: "1,75 kW" (units are the same in every language). */
export function formatQuantity(value: number, unit: string): string {
  return `${formatValue(value)} ${unit}`;
}

/** A time of day in the reader's locale and the hub's time zone, with the zone's name ("14:05:00 MEZ"). */
export function formatClock(instant: Date | number): string {
  return new Intl.DateTimeFormat(currentLocale(), { timeStyle: "long", timeZone: displayZone() }).format(
    instant,
  );
}

/** The short name of the zone times are shown in, as the reader's locale writes it ("MEZ", "UTC", "GMT+1"). */
export function zoneName(instant = Date.now()): string {
  const parts = new Intl.DateTimeFormat(currentLocale(), {
    timeZone: displayZone(),
    timeZoneName: "short",
  }).formatToParts(instant);
  return parts.find((part) => part.type === "timeZoneName")?.value ?? displayZone();
}

/** A count. */
export function formatCount(value: number): string {
  return integer.format(value);
}

/** A unit for display; AIIDA's "none" (power factor) shows as nothing. */
export function formatUnit(unit: string | undefined): string {
  return unit === undefined || unit === "none" || unit === "unknown" ? "" : unit;
}

/**
 * An OBIS quantity's AIIDA name in words, as the hub sends it for experts:
 * POSITIVE_ACTIVE_ENERGY_IN_PHASE_L1 → "Positive active energy in phase L1". Values the UI has
 * messages for (assets, icons, roles) take those instead (tValue).
 */
export function humanize(name: string): string {
  const words = name
    .split(/[_-]+/)
    .filter((w) => w !== "")
    .map((w) => (/^L\d$/.test(w) ? w : w.toLowerCase()));
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A `datetime-local` input's value for an instant, in the zone times are shown in (the hub's, not the
 * browser's): what the page's times say is what the inputs say.
 */
export function toLocalInput(ms: number, zone = displayZone()): string {
  // An English locale writes Latin digits and the Gregorian calendar, which the input reads.
  return DateTime.fromMillis(ms, { zone, locale: "en-US" }).toFormat("yyyy-MM-dd'T'HH:mm");
}

/**
 * The instant a `datetime-local` input's value means in the zone times are shown in, or NaN for an
 * empty or unreadable value. A time skipped when clocks go forward counts as the hour after it (02:30
 * → 03:30); one that occurs twice when they go back means its second occurrence, in standard time.
 */
export function fromLocalInput(value: string, zone = displayZone()): number {
  if (value === "") return Number.NaN;
  const parsed = DateTime.fromISO(value, { zone });
  return parsed.isValid ? parsed.toMillis() : Number.NaN;
}
