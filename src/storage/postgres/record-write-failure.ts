/** The code of the error a write gets when a hub-stamped time is already taken (as SQLite's writer). */
export const RECEIPT_TIME_TAKEN = "AIIDA_RECEIPT_TIME_TAKEN";

/**
 * Whether a failed record write may be down to one of its outcomes, so that smaller pieces let the
 * others through: a data exception (class 22: a value PostgreSQL cannot take), an integrity constraint
 * (class 23), or a refused hub-stamped time. Connection loss, a full disk, a missing table are not.
 */
export function mayBeOneOutcome(code: string | undefined): boolean {
  return code === RECEIPT_TIME_TAKEN || (code !== undefined && /^2[23][0-9A-Z]{3}$/.test(code));
}

/** A deadlock or a serialization failure: the same transaction, run again, may well succeed. */
export function isRetryable(code: string | undefined): boolean {
  return code === "40P01" || code === "40001";
}

/** A row whose month has no partition (another instance dropped it, or the cache is stale). */
export function isMissingPartition(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e.code === "23514" && /no partition of relation/.test(e.message ?? "");
}

/**
 * Failures no retry mends: the tables the writer needs are gone, or its role may no longer write
 * them. The writer stops and says so once, instead of failing every batch alike for ever.
 */
export function isPermanent(code: string | undefined): boolean {
  return code === "42P01" || code === "42501" || code === "3F000";
}

/** The SQLSTATE (or Node error code) of an error, if it has one. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** The error SQLite's writer throws too: the device sends the message again under a later stamp. */
export function receiptTimeTaken(ts: number): Error {
  return Object.assign(
    new Error(
      `a record at the receipt time ${new Date(ts).toISOString()} is already stored; send the message again`,
    ),
    { code: RECEIPT_TIME_TAKEN },
  );
}
