import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { startTestHub, TEST_ADMIN_PASSWORD } from "../helpers/hub-harness.ts";
import { openBrowser } from "./browser.ts";

/** The visible text of the focused element. */
const focusedText = (page: Page) =>
  page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");

/** Presses Tab until the focused element's text is `text` (at most 30 times). */
async function tabTo(page: Page, text: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press("Tab");
    if ((await focusedText(page)) === text) return;
  }
  throw new Error(`Tab never reached "${text}"`);
}

test("on a phone-sized screen in dark mode, everything works with the keyboard alone", async (t) => {
  const hub = await startTestHub(t);
  await hub.createDataSource({ name: "Flat meter" });
  const { page, assertNoConsoleErrors } = await openBrowser(t, {
    viewport: { width: 390, height: 844 },
    colorScheme: "dark",
    // English words (the texts below), an Austrian region (the country the form proposes).
    locale: "en-AT",
  });

  await page.goto(`${hub.httpUrl}/sources`);
  await page.getByLabel("Password").waitFor();
  await page.keyboard.type(TEST_ADMIN_PASSWORD); // the password field has focus
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Data sources", level: 1 }).waitFor();

  const background = await page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
  assert.equal(background, "rgb(15, 18, 23)", "dark mode follows the system setting");
  assert.equal(
    await page.evaluate("document.documentElement.scrollWidth <= innerWidth"),
    true,
    "no sideways scrolling",
  );
  assert.equal(await page.locator(".sources-table thead").isHidden(), true, "the table turns into cards");
  await page.getByText("Not connected").waitFor();

  // Add a data source: the dialog opens on Enter, the country comes from the browser's region (en-AT).
  await tabTo(page, "+ Add data source");
  await page.keyboard.press("Enter");
  const form = page.getByRole("dialog", { name: "Add a data source" });
  await form.getByLabel("Name").waitFor();
  assert.equal(await focusedText(page), "", "focus is in the name field");
  await page.keyboard.type("Balcony solar");
  assert.equal(await form.getByLabel("Country").inputValue(), "AT");
  await page.keyboard.press("Enter");
  const panel = page.getByRole("dialog", { name: "Balcony solar is ready to connect" });
  await panel.waitFor();
  assert.equal(await page.evaluate("document.documentElement.scrollWidth <= innerWidth"), true);
  // Escape asks before the shown-once password goes; the safe answer has focus, Tab reaches the other.
  await page.keyboard.press("Escape");
  await page.getByRole("alertdialog", { name: "The password is shown only once. Close anyway?" }).waitFor();
  assert.equal(await focusedText(page), "Cancel");
  await page.keyboard.press("Tab");
  assert.equal(await focusedText(page), "Close anyway");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Balcony solar", level: 1 }).waitFor();
  assert.equal(await focusedText(page), "Balcony solar", "the new page's heading has focus");

  // Tab to the History tab and open it.
  await tabTo(page, "History");
  await page.keyboard.press("Enter");
  await page.getByRole("group", { name: "Time range" }).waitFor();
  await page.getByText("No data in this range.").waitFor();
  assert.equal(await page.evaluate("document.documentElement.scrollWidth <= innerWidth"), true);
  assertNoConsoleErrors();
});
