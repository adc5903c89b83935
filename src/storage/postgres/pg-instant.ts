/**
 * Instants as the record statements pass them: epoch ms in the ports, timestamptz in PostgreSQL. Sent
 * as ISO text (exact to the ms for every year 1–9999, unlike float seconds), read back as float8 ms.
 */

/** First and last instant that ISO text (and so PostgreSQL) takes: years 0001 to 9999. */
const FIRST_ISO_MS = Date.parse("0001-01-01T00:00:00.000Z");
const LAST_ISO_MS = Date.parse("9999-12-31T23:59:59.999Z");

/** `ms` within years 1–9999: a bound beyond is clamped (no record lies out there). */
export function clampInstant(ms: number): number {
  return Math.min(LAST_ISO_MS, Math.max(FIRST_ISO_MS, ms));
}

/** `ms` as timestamptz text, clamped to years 1–9999. */
export function pgInstant(ms: number): string {
  return new Date(clampInstant(ms)).toISOString();
}

/** SQL that reads a timestamptz column as epoch ms (a float8: exact, extract gives numeric). */
export function msOf(column: string): string {
  return `(extract(epoch from ${column}) * 1000)::float8`;
}
