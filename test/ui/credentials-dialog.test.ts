import assert from "node:assert/strict";
import { test } from "node:test";
import { expectNoAxeViolations } from "../helpers/axe.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { logIn, openBrowser } from "./browser.ts";

test("Escape and × on the shown-once password dialog ask first; cancelling keeps it open with the password", async (t) => {
  const hub = await startTestHub(t);
  const { page, assertNoConsoleErrors } = await openBrowser(t);
  await logIn(page, hub.httpUrl);
  await page.getByRole("button", { name: "+ Add data source" }).click();
  const form = page.getByRole("dialog", { name: "Add a data source" });
  await expectNoAxeViolations(page, "the add dialog");
  await form.getByLabel("Name").fill("Main meter");
  await form.getByLabel("Country").selectOption({ label: "Austria" });
  await form.getByRole("button", { name: "Add data source" }).click();

  const panel = page.getByRole("dialog", { name: "Main meter is ready to connect" });
  const passwordField = panel.locator('[data-credential="password"]');
  await passwordField.waitFor();
  const password = await passwordField.inputValue();
  assert.match(password, /^[0-9A-Za-z]{24}$/);
  await expectNoAxeViolations(page, "the credentials dialog");
  // The test hub's broker is on 127.0.0.1: the snippets work only on the hub's own computer.
  assert.equal(
    await panel.getByTestId("where-to-run").textContent(),
    "Copy one of these into a terminal on this computer (the hub's) to send a test reading.",
  );
  await panel.getByText("works only on the hub's own computer").waitFor();

  const ask = page.getByRole("alertdialog", { name: "The password is shown only once. Close anyway?" });
  /**
   * Presses Escape and waits for the question. Under the test runner, with Chromium 156, an Escape right
   * after the question or a click sometimes brings no question (about one run in three; why is not known
   * yet): the dialog must then still be open with the password, and the next Escape must ask.
   */
  const escapeAsks = async (when: string) => {
    await page.keyboard.press("Escape");
    if (
      await ask.waitFor({ timeout: 2000 }).then(
        () => true,
        () => false,
      )
    )
      return;
    assert.equal(await passwordField.inputValue(), password, `${when}: an Escape never closes unasked`);
    await page.keyboard.press("Escape");
    await ask.waitFor();
  };
  await page.keyboard.press("Escape");
  await ask.waitFor();
  await expectNoAxeViolations(page, "the question before closing the credentials dialog");
  await ask.getByRole("button", { name: "Cancel" }).click();
  await ask.waitFor({ state: "detached" });
  assert.equal(await passwordField.inputValue(), password, "the dialog is still open with the password");

  // Escape answers the question with "no"; the next Escape (no click between) asks again. Rounds
  // enough that Chromium's limit on cancelling a dialog's close without a user activation would show.
  for (let i = 0; i < 6; i++) {
    await escapeAsks(`round ${i}`);
    await page.keyboard.press("Escape");
    await ask.waitFor({ state: "detached" });
    assert.equal(await passwordField.inputValue(), password, `round ${i}`);
  }

  // The × button asks the same.
  await panel.getByRole("button", { name: "Close", exact: true }).click();
  await ask.getByRole("button", { name: "Cancel" }).click();
  await ask.waitFor({ state: "detached" });
  assert.equal(await passwordField.inputValue(), password);

  await escapeAsks("after the × button");
  await ask.getByRole("button", { name: "Close anyway" }).click();
  await panel.waitFor({ state: "detached" });
  await page.getByRole("heading", { name: "Main meter", level: 1 }).waitFor();
  assertNoConsoleErrors();
});

test("the credentials dialog says where the snippets work when the broker has a network name", async (t) => {
  const hub = await startTestHub(t, { config: { publicMqttUrl: "mqtt://hub.example:1883" } });
  const source = await hub.createDataSource({ name: "Garage" });
  const { page, assertNoConsoleErrors } = await openBrowser(t);
  await logIn(page, hub.httpUrl);
  await page.goto(`${hub.httpUrl}/sources/${source.id}`);
  await page.getByRole("button", { name: "New password" }).click();
  await page
    .getByRole("alertdialog", { name: "Generate a new password?" })
    .getByRole("button", { name: "Generate new password" })
    .click();
  const panel = page.getByRole("dialog", { name: "New password for Garage" });
  assert.equal(
    await panel.getByTestId("where-to-run").textContent(),
    "Copy one of these into a terminal on a computer that reaches hub.example to send a test reading.",
  );
  assert.equal(await panel.getByText("works only on the hub's own computer").count(), 0);
  await panel.getByRole("button", { name: "Done — I have saved the password" }).click();
  await panel.waitFor({ state: "detached" });
  assertNoConsoleErrors();
});
