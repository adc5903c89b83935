import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

/** axe-core's browser build, read once; evaluated in the page (the hub's CSP would block a script tag). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** The WCAG 2 A and AA rules: names, roles, labels, and a contrast of at least 4.5:1 for text. */
const RULE_TAGS = ["wcag2a", "wcag2aa"];

/** One failed check, as the helper reports it. */
export interface AxeViolation {
  readonly rule: string;
  readonly target: string;
  readonly message: string;
}

/** Options of one accessibility check. */
export interface AxeCheckOptions {
  /**
   * Rules not to run here, each with the reason it is wrong for this page. Only for a rule that is
   * truly wrong for a case; a real violation is fixed, not excluded.
   */
  readonly skip?: Readonly<Record<string, string>>;
}

/**
 * Runs axe-core's WCAG 2 A and AA rules on the page as it is now, once in the light and once in the
 * dark colour scheme (the page's CSS follows `prefers-color-scheme`), and fails with a list of every
 * violation: scheme, rule, node selector and what is wrong. Restores the light scheme afterwards.
 * `context` names the screen in the failure message.
 */
export async function expectNoAxeViolations(
  page: Page,
  context: string,
  options: AxeCheckOptions = {},
): Promise<void> {
  const failures: string[] = [];
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    for (const v of await axeViolations(page, options)) {
      failures.push(`[${colorScheme}] ${v.rule} at ${v.target}: ${v.message}`);
    }
  }
  await page.emulateMedia({ colorScheme: "light" });
  if (failures.length > 0) {
    throw new Error(
      `accessibility violations on ${context} (${failures.length}):\n  ${failures.join("\n  ")}`,
    );
  }
}

/** The WCAG 2 A and AA violations axe-core finds on the page in its current colour scheme. */
export async function axeViolations(page: Page, options: AxeCheckOptions = {}): Promise<AxeViolation[]> {
  // Evaluated as a script, the UMD build sets window.axe; once per document.
  if (!(await page.evaluate("typeof window.axe === 'object'"))) await page.evaluate(AXE_SOURCE);
  const rules = Object.fromEntries(Object.keys(options.skip ?? {}).map((id) => [id, { enabled: false }]));
  const run = `window.axe.run(document, ${JSON.stringify({
    runOnly: { type: "tag", values: RULE_TAGS },
    rules,
    resultTypes: ["violations"],
  })}).then((r) => r.violations.flatMap((v) => v.nodes.map((n) => ({
    rule: v.id,
    target: n.target.join(" "),
    message: (n.failureSummary || v.help).replace(/\\s+/g, " ").trim(),
  }))))`;
  return (await page.evaluate(run)) as AxeViolation[];
}
