/**
 * Qualities as stored: a small number per value. AS_PROVIDED, by far the most common, is 0, which
 * SQLite stores in the row header alone (no data byte).
 */
const STORED = [
  "AS_PROVIDED",
  "ADJUSTED",
  "NOT_AVAILABLE",
  "ESTIMATED",
  "INCOMPLETE",
  "CALCULATED",
  "TEMPORARY",
];
const INDEX = new Map(STORED.map((name, i) => [name, i]));

/** The stored number of a quality name (unknown names are stored as AS_PROVIDED). */
export function storedQuality(name: string): number {
  return INDEX.get(name) ?? 0;
}

/** The quality name of a stored number. */
export function qualityName(stored: number): string {
  return STORED[stored] ?? "AS_PROVIDED";
}
