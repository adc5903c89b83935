const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * A duration in the largest unit that still reads well: "45 s", "12 min", "5 h", "32 days". A unit is used
 * from two of it on (90 minutes read better as "90 min" than "1 h"); the number is rounded to a whole one.
 */
export function durationText(ms: number): string {
  const size = Math.abs(ms);
  if (size >= 2 * DAY_MS) return `${Math.round(size / DAY_MS).toLocaleString("en-US")} days`;
  if (size >= 2 * HOUR_MS) return `${Math.round(size / HOUR_MS)} h`;
  if (size >= 2 * MINUTE_MS) return `${Math.round(size / MINUTE_MS)} min`;
  return `${Math.round(size / 1000)} s`;
}
