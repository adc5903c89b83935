import assert from "node:assert/strict";
import { test } from "node:test";
import { feedbackSummary } from "./feedback-summary.ts";

const problem = (message: string) => ({ path: "$", reason: "r", message });
const base = { problems: [], warnings: 0, ignoredFields: 0, valuesStored: 0, receiptTime: false };

test("a rejection with one problem says it", () => {
  assert.equal(
    feedbackSummary({ ...base, status: "rejected", problems: [problem("The message is not valid JSON.")] }),
    "Nothing was stored. The message is not valid JSON.",
  );
});

test("a rejection with several problems counts them", () => {
  const problems = [problem("a"), problem("b"), problem("c")];
  assert.equal(
    feedbackSummary({ ...base, status: "rejected", problems }),
    "Nothing was stored: the message has 3 problems.",
  );
});

test("a partial message says what was stored and how many problems left the rest out", () => {
  assert.equal(
    feedbackSummary({ ...base, status: "partial", problems: [problem("x")], valuesStored: 2, warnings: 1 }),
    "Stored 2 values and left out the rest (1 problem), with 1 warning.",
  );
});

test("warnings, ignored fields and the receipt time are all named", () => {
  assert.equal(
    feedbackSummary({
      ...base,
      status: "accepted-with-warnings",
      valuesStored: 1,
      warnings: 2,
      ignoredFields: 1,
      receiptTime: true,
    }),
    "Stored 1 value, with 2 warnings and 1 unknown field ignored. The message has no timestamp, so the time it arrived was used.",
  );
});
