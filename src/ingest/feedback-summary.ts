import type { FeedbackProblem, FeedbackReport } from "../storage/ports.ts";

/** What a summary is built from: the report's findings and what was stored. */
export interface SummaryFacts {
  readonly status: FeedbackReport["status"];
  readonly problems: readonly FeedbackProblem[];
  readonly warnings: number;
  readonly ignoredFields: number;
  readonly valuesStored: number;
  /** True when the message had no timestamp and the receipt time dates the record. */
  readonly receiptTime: boolean;
}

/**
 * The report's lead sentence(s) for people: "Nothing was stored. The message is not valid JSON.",
 * "Stored 2 values and left out the rest (1 problem).", "Stored 3 values, with 1 warning."
 */
export function feedbackSummary(facts: SummaryFacts): string {
  if (facts.status === "rejected") {
    const [only] = facts.problems;
    if (facts.problems.length === 1 && only !== undefined) return `Nothing was stored. ${only.message}`;
    return `Nothing was stored: the message has ${counted(facts.problems.length, "problem")}.`;
  }
  const stored = `Stored ${counted(facts.valuesStored, "value")}`;
  const lead =
    facts.status === "partial"
      ? `${stored} and left out the rest (${counted(facts.problems.length, "problem")})`
      : stored;
  const also: string[] = [];
  if (facts.warnings > 0) also.push(counted(facts.warnings, "warning"));
  if (facts.ignoredFields > 0) also.push(`${counted(facts.ignoredFields, "unknown field")} ignored`);
  const sentences = [also.length > 0 ? `${lead}, with ${also.join(" and ")}.` : `${lead}.`];
  if (facts.receiptTime) sentences.push("The message has no timestamp, so the time it arrived was used.");
  return sentences.join(" ");
}

function counted(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}
