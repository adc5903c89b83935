import type { LocalTimes } from "../platform/local-time.ts";

/** Longest part of a file name taken from a data source's name. */
const MAX_NAME_CHARS = 40;

/** A data source's name in characters every file system and browser keeps: "Zähler Küche / 1" → "zahler-kuche-1". */
function safeName(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "") // accents split off by NFKD: "ä" → "a"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, MAX_NAME_CHARS)
    .replace(/^-+|-+$/g, "");
}

/**
 * The file name of an export of one data source over [from, to): its name (its id when the name has no
 * safe characters) and the range in local time. A range of whole local days names its first and last
 * day, "aiida-kitchen-meter-2026-03-01_2026-03-31.csv"; any other names its start and end to the minute,
 * "aiida-kitchen-meter-2026-03-01T0815_2026-03-01T1015.csv". `kind` ("energy-day") follows the name.
 */
export function exportFileName(
  source: { readonly id: string; readonly name: string },
  from: number,
  to: number,
  times: LocalTimes,
  kind?: string,
): string {
  const name = safeName(source.name) || source.id.toLowerCase().replace(/[^a-z0-9-]/g, "");
  const days = times.isStartOfDay(from) && times.isStartOfDay(to);
  const range = days
    ? `${times.date(from)}_${times.date(to - 1)}`
    : `${times.minuteStamp(from)}_${times.minuteStamp(to)}`;
  return `aiida-${name}${kind === undefined ? "" : `-${kind}`}-${range}.csv`;
}
