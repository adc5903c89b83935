/** SQL that reads a timestamptz column as epoch milliseconds (exact: whole ms fit a double). */
export function epochMs(column: string): string {
  return `(extract(epoch FROM ${column}) * 1000)::float8`;
}

/**
 * An epoch-ms bound as a timestamptz parameter: a Date for instants JavaScript can represent, and
 * PostgreSQL's infinities beyond them (the SQLite code uses Number.MIN_SAFE_INTEGER as "no bound").
 */
export function pgInstant(ms: number): Date | string {
  const date = new Date(ms);
  if (!Number.isNaN(date.getTime())) return date;
  return ms < 0 ? "-infinity" : "infinity";
}
