import type { IngestVerdict } from "../domain/ingest-verdict.ts";
import type { IngestOutcome } from "../storage/ports.ts";

export type { IngestVerdict } from "../domain/ingest-verdict.ts";

/** Shared by every clean message, so the common case allocates no verdict. */
const STORED: IngestVerdict = Object.freeze({ kind: "stored", summary: undefined });

/** Longest summary of a message's problems carried back to the device in its acknowledgement. */
const MAX_SUMMARY_CHARS = 400;

/**
 * The verdict of a committed outcome. Its summary is the report's own plain sentence followed by the
 * JSON paths and reasons of its problems and warnings, for the device's acknowledgement.
 */
export function verdictOf(outcome: IngestOutcome, flooded: boolean): IngestVerdict {
  const report = outcome.feedback;
  if (!report) return STORED;
  const details = [...report.problems, ...report.warnings].map((p) => `${p.path}: ${p.reason}`);
  const summary = shortened([report.summary, ...details].join(" "));
  if (flooded) return { kind: "flooded", summary };
  if (report.status === "rejected") return { kind: "rejected", summary };
  return { kind: report.status === "partial" ? "partial" : "stored", summary };
}

function shortened(text: string): string {
  return text.length <= MAX_SUMMARY_CHARS ? text : `${text.slice(0, MAX_SUMMARY_CHARS - 1)}…`;
}
