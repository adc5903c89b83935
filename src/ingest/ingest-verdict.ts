import type { IngestVerdict } from "../domain/ingest-verdict.ts";
import type { IngestOutcome } from "../storage/ports.ts";

export type { IngestVerdict } from "../domain/ingest-verdict.ts";

/** Longest summary of a message's problems carried back to the device in its acknowledgement. */
const MAX_SUMMARY_CHARS = 400;

/** The verdict of a committed outcome. */
export function verdictOf(outcome: IngestOutcome, flooded: boolean): IngestVerdict {
  const report = outcome.feedback;
  if (!report) return { kind: "stored", summary: undefined };
  const problems = report.problems.map((p) => `${p.path}: ${p.reason}`);
  const said = [...problems, ...report.notes.filter((n) => n !== "nothing from this message was stored")];
  const summary = shortened(said.join("; ") || report.status);
  if (flooded) return { kind: "flooded", summary };
  if (report.status === "rejected") return { kind: "rejected", summary: `nothing stored: ${summary}` };
  if (report.status === "partial") return { kind: "partial", summary: `partly stored: ${summary}` };
  return { kind: "stored", summary: `stored with warnings: ${summary}` };
}

function shortened(text: string): string {
  return text.length <= MAX_SUMMARY_CHARS ? text : `${text.slice(0, MAX_SUMMARY_CHARS - 1)}…`;
}
