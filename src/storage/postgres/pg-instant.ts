/**
 * Instants as the record statements pass them: epoch ms in the ports, timestamptz in PostgreSQL. Sent
 * as ISO text (exact to the ms for every year 1–9999, unlike float seconds), read back as float8 ms.
 */

/** First and last instant that ISO text (and so PostgreSQL) takes: years 0001 to 9999. */
const FIRST_ISO_MS = Date.parse("0001-01-01T00:00:00.000Z");
const LAST_ISO_MS = Date.parse("9999-12-31T23:59:59.999Z");

/** `ms` as timestamptz text; a bound beyond years 1–9999 is clamped (no record lies out there). */
export function pgInstant(ms: number): string {
  const clamped = Math.min(LAST_ISO_MS, Math.max(FIRST_ISO_MS, ms));
  return new Date(clamped).toISOString();
}

/** SQL that reads a timestamptz column as epoch ms (a float8: exact, extract gives numeric). */
export function msOf(column: string): string {
  return `(extract(epoch from ${column}) * 1000)::float8`;
}
