import { z } from "zod";
import { HubError, type ProblemDetail } from "../domain/hub-error.ts";
import { parseLocalInstant } from "../platform/calendar-intervals.ts";
import type { LocalTimes } from "../platform/local-time.ts";
import { validate } from "./validate.ts";

const DAY_MS = 86_400_000;
/** Longest range one export covers: a leap year; longer periods are exported a year at a time. */
export const MAX_EXPORT_DAYS = 366;

/** Query of an export: from and to, each optional. */
const exportQuery = z.strictObject({
  from: z.string({ error: "must be given once" }).optional(),
  to: z.string({ error: "must be given once" }).optional(),
});

/**
 * One end of the range, read as the energy API reads it (one parser for both, so the same text means
 * the same instant): epoch milliseconds, an ISO-8601 instant with Z or an offset, a local date-time or
 * a date (its local midnight) in the hub's time zone. Either end is the start of what it names, so
 * `from=2026-03-01&to=2026-04-01` is March.
 */
function instantOf(text: string, times: LocalTimes): number | string {
  return (
    parseLocalInstant(text, times.zone) ??
    `must be a date such as 2026-03-01 (its midnight in ${times.zone}), a local date-time such as 2026-03-01T06:00, an ISO-8601 instant such as 2026-03-01T00:00:00+01:00, or epoch milliseconds`
  );
}

/**
 * The half-open range [from, to) an export's query asks for. Without `to` it ends now; without `from` it
 * begins a day before its end. Throws VALIDATION_FAILED naming each bad end, a range that does not go
 * forward, or one longer than MAX_EXPORT_DAYS.
 */
export function exportRange(query: unknown, times: LocalTimes, now: number): { from: number; to: number } {
  const q = validate(exportQuery, query, "export range");
  const problems: ProblemDetail[] = [];
  const end = (name: "from" | "to", text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const instant = instantOf(text, times);
    if (typeof instant === "number") return instant;
    problems.push({ path: name, reason: instant });
    return undefined;
  };
  const givenFrom = end("from", q.from);
  const givenTo = end("to", q.to);
  if (problems.length > 0) throw invalid(problems);
  const to = givenTo ?? now;
  const from = givenFrom ?? to - DAY_MS;
  if (from >= to) {
    throw invalid([
      givenTo === undefined
        ? { path: "from", reason: "must be before now, where the range ends without to" }
        : { path: "to", reason: `must be after from (${new Date(from).toISOString()})` },
    ]);
  }
  if (to - from > MAX_EXPORT_DAYS * DAY_MS) {
    throw invalid([
      {
        path: "to",
        reason: `is more than ${MAX_EXPORT_DAYS} days after from; export a year or less at a time`,
      },
    ]);
  }
  return { from, to };
}

function invalid(details: ProblemDetail[]): HubError {
  const what = details.map((d) => `${d.path} ${d.reason}`).join("; ");
  return new HubError("VALIDATION_FAILED", `The export range is not valid: ${what}.`, details);
}
