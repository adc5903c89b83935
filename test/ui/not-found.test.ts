import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { expectNoAxeViolations } from "../helpers/axe.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { logIn, openBrowser } from "./browser.ts";

/** Waits for the "Page not found" view and checks what it offers. */
async function expectNotFoundView(page: Page): Promise<void> {
  await page.getByRole("heading", { name: "Page not found", level: 1 }).waitFor();
  await page.getByRole("link", { name: "Go to the start page" }).waitFor();
  assert.equal(await page.title(), "Page not found · aiida-hub");
}

test("an unknown URL shows 'Page not found' with a link to the start page, without a session", async (t) => {
  const hub = await startTestHub(t);
  const { page, assertNoConsoleErrors, allowConsoleError } = await openBrowser(t);
  // The browser logs the page's own 404 status as a failed resource.
  allowConsoleError(/status of 404.*\/no\/such\/page/);
  const response = await page.goto(`${hub.httpUrl}/no/such/page`);
  assert.equal(response?.status(), 404);
  await expectNotFoundView(page);
  assert.equal(new URL(page.url()).pathname, "/no/such/page", "no redirect to the login page");
  assert.equal(
    await page.getByRole("navigation", { name: "Main" }).count(),
    0,
    "no app header without a session",
  );
  await expectNoAxeViolations(page, "the not-found page without a session");

  await page.getByRole("link", { name: "Go to the start page" }).click();
  await page.getByRole("button", { name: "Log in" }).waitFor();
  assertNoConsoleErrors();
});

test("logged in, unknown URLs, data sources and permissions that do not exist and unknown in-app routes show 'Page not found'", async (t) => {
  const hub = await startTestHub(t);
  const source = await hub.createDataSource({ name: "Hall meter" });
  const { page, assertNoConsoleErrors, allowConsoleError } = await openBrowser(t);
  // The page's own 404 and the API's 404 for ids that do not exist, as the browser logs them.
  allowConsoleError(/status of 404/);
  await logIn(page, hub.httpUrl);

  const response = await page.goto(`${hub.httpUrl}/no/such/page`);
  assert.equal(response?.status(), 404);
  await expectNotFoundView(page);
  await page.getByRole("navigation", { name: "Main" }).waitFor();
  await expectNoAxeViolations(page, "the not-found page");
  await page.getByRole("link", { name: "Go to the start page" }).click();
  await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();

  for (const path of [
    `/sources/${randomUUID()}`,
    `/sources/${randomUUID()}/history`,
    "/sources/not-an-id",
    `/permissions/${randomUUID()}`,
    `/sources/${source.id}/no-such-tab`,
  ]) {
    await page.goto(`${hub.httpUrl}${path}`);
    await expectNotFoundView(page);
  }

  // A route the client's router does not know, reached without loading a page.
  await page.goto(`${hub.httpUrl}/sources/${source.id}`);
  await page.getByRole("heading", { name: "Hall meter", level: 1 }).waitFor();
  await page.evaluate("window.__noReload = true");
  await page.evaluate(
    "history.pushState(null, '', '/sources/x/y/z'); dispatchEvent(new PopStateEvent('popstate'))",
  );
  await expectNotFoundView(page);
  assert.equal(await page.evaluate("window.__noReload"), true, "shown by the router, not loaded");
  await page.goBack();
  await page.getByRole("heading", { name: "Hall meter", level: 1 }).waitFor();
  assertNoConsoleErrors();
});
