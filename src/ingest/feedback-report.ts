import type { CimProblem } from "../cim/parse-time-series.ts";
import type { IngestOutcome } from "../storage/ports.ts";
import { feedbackSummary } from "./feedback-summary.ts";

/** Most problems and ignored fields listed in one report; a hostile message could otherwise carry thousands. */
const MAX_LISTED = 100;

/** The first MAX_LISTED entries, and a note of how many more there were. */
export function capped<T>(items: readonly T[], what: string, notes: string[]): readonly T[] {
  if (items.length <= MAX_LISTED) return items;
  notes.push(`${items.length - MAX_LISTED} more ${what} not listed`);
  return items.slice(0, MAX_LISTED);
}

/** The outcome of a message of which nothing is stored, with the report that tells the device why. */
export function rejectedOutcome(
  dataSourceId: string,
  receivedAt: number,
  problems: readonly CimProblem[],
  ignoredFields: readonly string[],
  valuesRejected: number,
): IngestOutcome {
  const notes = ["nothing from this message was stored"];
  return {
    dataSourceId,
    record: undefined,
    valuesRejected,
    feedback: {
      dataSourceId,
      receivedAt: new Date(receivedAt).toISOString(),
      status: "rejected",
      summary: feedbackSummary({
        status: "rejected",
        problems,
        warnings: 0,
        ignoredFields: ignoredFields.length,
        valuesStored: 0,
        receiptTime: false,
      }),
      problems: capped(problems, "problems", notes),
      warnings: [],
      ignoredFields: capped(ignoredFields, "ignored fields", notes),
      notes,
      kept: { timestamp: null, timestampSource: null, values: [] },
    },
  };
}
