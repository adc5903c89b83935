const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/** A date and time in the reader's locale and time zone. */
export function formatTime(iso: string | number | null): string {
  if (iso === null) return "never";
  return dateTime.format(new Date(iso));
}

/** How long ago, in words: "12 s ago", "5 min ago". */
export function timeAgo(iso: string | null, now = Date.now()): string {
  if (iso === null) return "never";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
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
