import assert from "node:assert/strict";
import { test } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { logIn, openBrowser } from "./browser.ts";

test("the add dialog shows the API's field errors next to the fields", async (t) => {
  const hub = await startTestHub(t);
  const { page, allowConsoleError, assertNoConsoleErrors } = await openBrowser(t);
  // The rejected POST appears as the browser's own network log line.
  allowConsoleError(/status of 400.*\/api\/datasources/);
  await logIn(page, hub.httpUrl);

  await page.getByRole("button", { name: "+ Add data source" }).click();
  const form = page.getByRole("dialog", { name: "Add a data source" });
  await form.getByLabel("Name").fill("   ");
  await form.getByRole("button", { name: "Add data source" }).click();
  await form.getByText("Please correct the marked fields.").waitFor();
  const name = form.getByLabel("Name");
  assert.equal(await name.getAttribute("aria-invalid"), "true");
  assert.equal(await form.locator('[data-field="name"]').textContent(), "must not be empty");
  assert.match(
    (await form.locator('[data-field="countryCode"]').textContent()) ?? "",
    /^must be one of AT, BE/,
  );
  assert.equal(
    await form.locator('[data-field="meterId"]').textContent(),
    "",
    "fields without a problem stay clean",
  );
  assert.ok(
    await name.evaluate((el) => el === el.ownerDocument.activeElement),
    "focus moves to the first bad field",
  );

  await name.fill("Heat pump");
  await form.getByLabel("Country").selectOption({ label: "Germany" });
  await form.getByLabel("Asset").selectOption("CONTROLLABLE-UNIT");
  await form.getByLabel("Icon").selectOption({ label: "Heat" });
  await form.getByRole("button", { name: "Add data source" }).click();
  await page.getByRole("button", { name: "Done — I have saved the password" }).click();
  await page.getByRole("heading", { name: "Heat pump", level: 1 }).waitFor();
  const [created] = (await hub.api("GET", "/api/datasources")).body;
  assert.equal(created.countryCode, "DE");
  assert.equal(created.asset, "CONTROLLABLE-UNIT");
  assert.equal(created.icon, "HEAT");
  assertNoConsoleErrors();
});

test("edit, disable and enable, and a new password after confirmation", async (t) => {
  const hub = await startTestHub(t);
  const source = await hub.createDataSource({ name: "Garage" });
  const { page, assertNoConsoleErrors } = await openBrowser(t);
  await logIn(page, hub.httpUrl);
  await page.getByRole("link", { name: "Garage" }).click();
  await page.getByRole("heading", { name: "Garage", level: 1 }).waitFor();

  await page.getByRole("button", { name: "Edit" }).click();
  const form = page.getByRole("dialog", { name: "Edit Garage" });
  assert.equal(await form.getByLabel("Type").isDisabled(), true, "the type cannot change");
  await form.getByLabel("Name").fill("Garage charger");
  await form.getByLabel("Meter id (optional)").fill("M-42");
  await form.getByRole("button", { name: "Save" }).click();
  await page.getByRole("heading", { name: "Garage charger", level: 1 }).waitFor();
  await page.getByText("Meter M-42").waitFor();

  // Disabling drops the device's connection and keeps it out.
  const device = await connectDevice(t, hub.mqttUrl, source);
  await page.getByRole("button", { name: "Disable" }).click();
  // Its health says so, whatever its last message: no green UP for a device that cannot connect.
  await page.locator(".title-badges .health-disabled", { hasText: "DISABLED" }).waitFor();
  await waitFor(() => !device.connected, "the device to be disconnected");
  await assert.rejects(connectDevice(t, hub.mqttUrl, source));
  await page.getByRole("button", { name: "Enable" }).click();
  await page.getByRole("button", { name: "Disable" }).waitFor();
  assert.equal((await hub.api("GET", `/api/datasources/${source.id}`)).body.enabled, true);

  // A new password, only after confirming; the old one stops working.
  await page.getByRole("button", { name: "New password" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Generate a new password?" });
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await connectDevice(t, hub.mqttUrl, source);
  await page.getByRole("button", { name: "New password" }).click();
  await confirm.getByRole("button", { name: "Generate new password" }).click();
  const panel = page.getByRole("dialog", { name: "New password for Garage charger" });
  await panel.getByText("The old password no longer works").waitFor();
  const password = await panel.locator('[data-credential="password"]').inputValue();
  assert.notEqual(password, source.password);
  await assert.rejects(connectDevice(t, hub.mqttUrl, source));
  await connectDevice(t, hub.mqttUrl, { id: source.id, password });
  await panel.getByRole("button", { name: "Close" }).click();
  // Closing it any other way than "Done" asks first: the password is shown only once.
  await page
    .getByRole("alertdialog", { name: "The password is shown only once. Close anyway?" })
    .getByRole("button", { name: "Close anyway" })
    .click();
  await panel.waitFor({ state: "detached" });
  assertNoConsoleErrors();
});
