import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { startTestHub, TEST_ADMIN_PASSWORD } from "../helpers/hub-harness.ts";
import { logIn, openBrowser } from "./browser.ts";

const NEW_PASSWORD = "kitchen-meter-2025";

/** The accessible name of the focused element, or its text. */
const focused = (page: Page) =>
  page.evaluate<string>(
    "document.activeElement?.labels?.[0]?.textContent ?? document.activeElement?.textContent?.trim() ?? ''",
  );

/** axe-core's violations inside `selector` (labels, names, contrast…), as "rule: target" lines. */
async function accessibilityViolations(page: Page, selector: string): Promise<string[]> {
  // Evaluated rather than added as a script tag, which the hub's Content-Security-Policy rightly refuses.
  await page.evaluate(readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8"));
  return page.evaluate<string[]>(`axe.run(document.querySelector(${JSON.stringify(selector)})).then((r) =>
    r.violations.flatMap((v) => v.nodes.map((n) => v.id + ": " + n.target.join(" "))))`);
}

test("change password in the UI: clear field errors, a toast, other sessions logged out, the new password logs in", async (t) => {
  const hub = await startTestHub(t);
  const { page, allowConsoleError, assertNoConsoleErrors } = await openBrowser(t);
  // The browser logs the refused wrong current password and the refused old login as network errors.
  allowConsoleError(/status of 403.*\/api\/auth\/password/);
  allowConsoleError(/status of 401.*\/api\/auth\/login/);
  await logIn(page, hub.httpUrl);
  const requests: string[] = [];
  page.on("request", (r) => {
    if (r.url().endsWith("/api/auth/password")) requests.push(r.method());
  });

  const opener = page.getByRole("banner").getByRole("button", { name: "Change password" });
  await opener.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Change password" });
  await dialog.waitFor();
  assert.equal(await focused(page), "Current password", "focus starts in the first field");
  assert.deepEqual(await accessibilityViolations(page, "dialog[open]"), []);

  // Escape closes it and gives focus back, as every dialog does.
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  assert.equal(await focused(page), "Change password");
  await page.keyboard.press("Enter");
  await dialog.waitFor();

  // Checked in the page before anything is sent: each problem under its own field.
  await page.keyboard.press("Tab");
  await page.keyboard.type("too-short");
  await page.keyboard.press("Tab");
  assert.equal(await focused(page), "Repeat the new password");
  await page.keyboard.type("something-else");
  await page.keyboard.press("Enter");
  await dialog.locator('[data-field="currentPassword"]').getByText("Enter your current password.").waitFor();
  assert.equal(
    await dialog.locator('[data-field="newPassword"]').textContent(),
    "Use at least 12 characters (this has 9).",
  );
  assert.equal(
    await dialog.locator('[data-field="repeatPassword"]').textContent(),
    "This does not match the new password.",
  );
  assert.equal(await dialog.getByLabel("New password", { exact: true }).getAttribute("aria-invalid"), "true");
  assert.equal(await focused(page), "Current password", "focus moves to the first field with a problem");
  assert.deepEqual(requests, [], "nothing was sent");

  // A wrong current password: the hub refuses it, and the field says so.
  await dialog.getByLabel("Current password").fill("not-the-password");
  await dialog.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await dialog.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
  await dialog.getByRole("button", { name: "Change password" }).click();
  await dialog
    .locator('[data-field="currentPassword"]')
    .getByText("This is not the current password.")
    .waitFor();
  assert.equal(await dialog.locator('[data-field="newPassword"]').textContent(), "", "the others are clean");
  assert.equal(await dialog.locator('[data-field="repeatPassword"]').textContent(), "");
  assert.equal(await focused(page), "Current password");
  assert.equal((await hub.api("GET", "/api/auth/me")).status, 200, "nothing changed yet");

  // The right one, typed, and Enter: done.
  await page.keyboard.type(TEST_ADMIN_PASSWORD); // the wrong one is selected, so typing replaces it
  await page.keyboard.press("Enter");
  await dialog.waitFor({ state: "detached" });
  await page
    .getByRole("status")
    .getByText("Password changed. Other browsers and scripts logged in as admin have been logged out.")
    .waitFor();
  assert.equal(await focused(page), "Change password", "focus is back where it was");
  assert.deepEqual(requests, ["PUT", "PUT"]);
  assert.equal((await hub.api("GET", "/api/auth/me")).status, 401, "the test's other session was logged out");

  // This browser's session stays: the app goes on working without a new login.
  await page.getByRole("link", { name: "Permissions" }).click();
  await page.getByRole("heading", { name: "Permissions", level: 1 }).waitFor();

  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByLabel("Password").fill(TEST_ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("alert").filter({ hasText: "Wrong username or password" }).waitFor();
  await logIn(page, hub.httpUrl, NEW_PASSWORD);
  assertNoConsoleErrors();
});
