import assert from "node:assert/strict";
import { test } from "node:test";
import { expectNoAxeViolations } from "../helpers/axe.ts";
import { openBrowser } from "./browser.ts";

/** Text that is readable in one colour scheme only, and an unlabelled field. */
const PAGE = `<!doctype html><html lang="en"><head><title>t</title><style>
  body { background: #fff; color: #111; }
  #light-only { color: #ccc; }
  @media (prefers-color-scheme: dark) {
    body { background: #111; color: #eee; }
    #light-only { color: #eee; }
    #dark-only { color: #333; }
  }
</style></head><body><main>
  <p id="light-only">faint on white</p>
  <p id="dark-only">faint on black</p>
  <input id="nameless">
</main></body></html>`;

test("the accessibility check reports each violation with its colour scheme, rule, node and message", async (t) => {
  const { page } = await openBrowser(t);
  await page.setContent(PAGE);
  const failure = await expectNoAxeViolations(page, "the test page").then(
    () => assert.fail("the check passed a page with violations"),
    (err: Error) => err.message,
  );
  assert.match(failure, /^accessibility violations on the test page \(4\):/);
  assert.match(failure, /\[light\] color-contrast at #light-only: .*contrast of/);
  assert.match(failure, /\[dark\] color-contrast at #dark-only: .*contrast of/);
  assert.doesNotMatch(failure, /\[dark\] color-contrast at #light-only/);
  assert.match(failure, /\[light\] label at #nameless: /);
  assert.match(failure, /\[dark\] label at #nameless: /);

  // A rule can be left out only with a reason; the others still run.
  const rest = await expectNoAxeViolations(page, "the test page", {
    skip: { label: "a test of the skip option" },
  }).catch((err: Error) => err.message);
  assert.match(rest ?? "", /\(2\):/);
  assert.doesNotMatch(rest ?? "", / label at /);
});
