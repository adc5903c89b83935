// A node:test reporter that writes one line per failed test (file, name, first line of the error), so
// run-tests.mjs can repeat every failure at the very end of a long run, where CI logs are read.
import { relative } from "node:path";

export default async function* failureListReporter(source) {
  for await (const event of source) {
    if (event.type !== "test:fail") continue;
    const { name, file, details } = event.data;
    // A suite fails when one of its tests fails; the test's own line says more.
    if (details?.type === "suite") continue;
    const cause = details?.error?.cause ?? details?.error;
    const message = String(cause?.message ?? cause ?? "")
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean)
      .join(" ")
      .slice(0, 300);
    const where = file ? relative(process.cwd(), file) : "?";
    yield `${where} › ${name}: ${message}\n`;
  }
}
