import assert from "node:assert/strict";
import { test } from "node:test";
import { expectNoAxeViolations } from "../helpers/axe.ts";
import { startTestHub, TEST_ADMIN_PASSWORD } from "../helpers/hub-harness.ts";
import { openBrowser } from "./browser.ts";

test("login: a wrong password gets a clear message, the right one opens the list, logout ends the session", async (t) => {
  const hub = await startTestHub(t);
  const { page, allowConsoleError, assertNoConsoleErrors } = await openBrowser(t);
  // The browser itself logs the 401 of a failed login as a network error; nothing else may appear.
  allowConsoleError(/status of 401.*\/api\/auth\/login/);

  const source = await hub.createDataSource({ name: "Hall meter" });
  await page.goto(`${hub.httpUrl}/sources/${source.id}`);
  await page.getByRole("heading", { name: "aiida-hub" }).waitFor();
  assert.match(page.url(), /\/login\?next=/, "an app path without a session leads to the login page");
  assert.equal(await page.getByLabel("Username").inputValue(), "admin");
  await expectNoAxeViolations(page, "the login page");

  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("alert").filter({ hasText: "Wrong username or password" }).waitFor();
  assert.match(page.url(), /\/login/);
  await expectNoAxeViolations(page, "the login page with an error");

  await page.getByLabel("Password").fill(TEST_ADMIN_PASSWORD);
  await page.keyboard.press("Enter");
  // After login the app goes where the user wanted to go.
  await page.getByRole("heading", { name: "Hall meter", level: 1 }).waitFor();
  await page.getByRole("link", { name: "Data sources", exact: true }).click();
  await page.getByRole("heading", { name: "Data sources", level: 1 }).waitFor();
  await page.getByRole("link", { name: "Hall meter" }).waitFor();

  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("button", { name: "Log in" }).waitFor();
  const cookies = await page.context().cookies();
  assert.equal(
    cookies.find((c) => c.name === "aiida_hub_session")?.value ?? "",
    "",
    "the session cookie is gone",
  );
  await page.goto(`${hub.httpUrl}/`);
  await page.getByRole("button", { name: "Log in" }).waitFor();
  assertNoConsoleErrors();
});
