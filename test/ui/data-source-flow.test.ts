import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import type { Locator, Page } from "playwright-core";
import { expectNoAxeViolations } from "../helpers/axe.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { logIn, openBrowser } from "./browser.ts";
import { cimMessage, countSeriesPixels } from "./page-helpers.ts";

test("a household member connects a meter and sees its data live, in a chart and as CSV", async (t) => {
  const hub = await startTestHub(t);
  const { page, assertNoConsoleErrors } = await openBrowser(t);
  await logIn(page, hub.httpUrl);
  await expectNoAxeViolations(page, "the empty data source list");

  // Create a data source through the dialog.
  await page.getByRole("button", { name: "+ Add data source" }).click();
  const form = page.getByRole("dialog", { name: "Add a data source" });
  await form.getByLabel("Name").fill("Main meter");
  await form.getByLabel("Country").selectOption({ label: "Austria" });
  await form.getByLabel("Meter id (optional)").fill("AT0010000000000000001000000001234");
  await form.getByRole("button", { name: "Add data source" }).click();

  // Read the credentials from the page, as a user would copy them.
  const panel = page.getByRole("dialog", { name: "Main meter is ready to connect" });
  await panel.getByText("It is shown only this once and cannot be shown again").waitFor();
  const brokerUrl = await text(panel.locator('[data-credential="brokerUrl"]'));
  const topic = await text(panel.locator('[data-credential="topic"]'));
  const username = await text(panel.locator('[data-credential="username"]'));
  const passwordField = panel.locator('[data-credential="password"]');
  assert.equal(await passwordField.getAttribute("type"), "password", "the password starts masked");
  const password = await passwordField.inputValue();
  assert.equal(brokerUrl, hub.mqttUrl);
  assert.equal(topic, `aiida/${username}/data`);
  assert.match(password, /^[0-9A-Za-z]{24}$/);
  const mosquitto = panel.locator('[data-snippet="mosquitto"] pre');
  assert.doesNotMatch(await text(mosquitto), new RegExp(password), "snippets follow the mask");
  await panel.getByRole("button", { name: "Show" }).click();
  assert.equal(await passwordField.getAttribute("type"), "text");
  // Passwords go through the environment, not on a command line others can read with ps.
  assert.match(await text(mosquitto), new RegExp(`^export AIIDA_PASSWORD='${password}'$`, "m"));
  assert.match(await text(mosquitto), new RegExp(`-u '${username}' -P "\\$AIIDA_PASSWORD"`));
  await panel.getByRole("tab", { name: "Python" }).click();
  const python = await text(panel.locator('[data-snippet="python"] pre'));
  assert.match(python, /^PASSWORD = os\.environ\["AIIDA_PASSWORD"\]$/m);
  assert.ok(!python.includes(password), "the Python script does not hold the password");
  await panel.getByRole("tab", { name: "aiida-hub simulator" }).click();
  assert.match(
    await text(panel.locator('[data-snippet="cli"] pre')),
    new RegExp(
      `^export AIIDA_BROKER=${brokerUrl} AIIDA_USERNAME='${username}' AIIDA_PASSWORD='${password}'\naiida-hub publish simulate$`,
      "m",
    ),
  );
  await panel.getByRole("button", { name: "Done — I have saved the password" }).click();

  // The live view opens and waits for the first message.
  await page.getByRole("heading", { name: "Main meter", level: 1 }).waitFor();
  await page.getByText("Waiting for the first message").waitFor();
  await page.getByText("● Live").waitFor();
  await expectNoAxeViolations(page, "the live view waiting for a message");
  await page.evaluate("window.__noReload = true");

  // Publish with the credentials read from the page; the values appear without a reload.
  const device = await connectDevice(t, brokerUrl, { id: username, password });
  const now = Date.now();
  const first = { at: now - 20 * 60_000, kwh: 24.5, kw: 1.25 };
  const second = { at: now - 10 * 60_000, kwh: 24.75, kw: 2.5 };
  const third = { at: now - 1000, kwh: 25, kw: 1.75 };
  const readings = [first, second, third];
  await device.publishAsync(topic, cimMessage(first.at, first.kwh, first.kw), { qos: 1 });
  await device.publishAsync(topic, cimMessage(second.at, second.kwh, second.kw), { qos: 1 });
  const energy = page.locator('tr[data-obis="1-0:1.8.0"]');
  await energy.locator("td.value", { hasText: /^24\.75$/ }).waitFor();
  assert.equal(await page.getByText("Waiting for the first message").isHidden(), true);

  // A broken message: a sentence says why, its reason and JSON path show up under the details.
  await device.publishAsync(
    topic,
    JSON.stringify({ version: "1.0", Quantity: [{ quantity: 1, type: "999" }] }),
  );
  const report = page.locator(".feedback-item").first();
  await report.getByText("Rejected — nothing stored").waitFor();
  await report.getByText('Quantity 1 has an unknown type "999"; the types are "0" to "35".').waitFor();
  await report.getByText("Details for experts (JSON paths)").click();
  await report.locator("code.json-path", { hasText: "$.Quantity[0].type" }).waitFor();
  assert.match(await text(report), /unknown quantity type "999"/);

  // The newest reading replaces the shown values.
  await device.publishAsync(topic, cimMessage(third.at, third.kwh, third.kw), { qos: 1 });
  await energy.locator("td.value", { hasText: /^25$/ }).waitFor();
  assert.deepEqual((await cells(energy)).slice(1, 4), ["1-0:1.8.0", "25", "kWh"]);
  // A connection agreement point is a grid meter: its quantities by their plain names, the OBIS name beside.
  assert.equal((await cells(energy))[0], "Grid import (total)POSITIVE_ACTIVE_ENERGY");
  const power = page.locator('tr[data-obis="1-0:1.7.0"]');
  await power.locator("td.value", { hasText: /^1\.75$/ }).waitFor();
  assert.deepEqual((await cells(power)).slice(1, 4), ["1-0:1.7.0", "1.75", "kW"]);
  assert.equal((await cells(power))[0], "Grid importPOSITIVE_ACTIVE_INSTANTANEOUS_POWER");
  assert.equal(await page.evaluate("window.__noReload"), true, "the page was not reloaded");
  await page
    .getByTestId("message-rate")
    .filter({ hasText: "4 messages in the last minute (1 rejected)" })
    .waitFor();
  await expectNoAxeViolations(page, "the live view with values and feedback");

  // History: one chart per unit with a drawn series.
  await page.getByRole("link", { name: "History" }).click();
  await page.getByText("Last hour").click();
  await page.getByText("one point per 5 s").waitFor();
  const powerChart = page.locator('section.chart[data-unit="kW"]');
  await powerChart.locator("canvas").waitFor();
  assert.equal(await page.locator("section.chart").count(), 2, "kWh and kW each get a chart");
  await waitFor(
    async () => (await countSeriesPixels(page, 'section.chart[data-unit="kW"] canvas')) > 50,
    "the series line",
  );
  await expectNoAxeViolations(page, "the history view");

  // CSV of the chosen range: one row per reading, one column per quantity.
  const csv = await downloadCsv(page);
  assert.match(csv.name, /^main-meter-\d{4}-\d\d-\d\dT\d{4}Z-\d{4}-\d\d-\d\dT\d{4}Z\.csv$/);
  const rows = csv.text.trim().split("\r\n");
  assert.equal(rows[0], "timestamp,POSITIVE_ACTIVE_ENERGY [kWh],POSITIVE_ACTIVE_INSTANTANEOUS_POWER [kW]");
  assert.deepEqual(
    rows.slice(1).map((row) => row.split(",").slice(1)),
    readings.map((r) => [String(r.kwh), String(r.kw)]),
  );
  const bucketStart = (ms: number) => new Date(Math.floor(ms / 5000) * 5000).toISOString();
  assert.deepEqual(
    rows.slice(1).map((row) => row.split(",")[0]),
    readings.map((r) => bucketStart(r.at)),
  );
  // Only the chosen quantities are exported.
  await page.getByRole("checkbox", { name: "Grid import (total) [kWh] 1-0:1.8.0" }).uncheck();
  assert.equal(await page.locator("section.chart").count(), 1);
  const powerOnly = await downloadCsv(page);
  assert.equal(powerOnly.text.split("\r\n")[0], "timestamp,POSITIVE_ACTIVE_INSTANTANEOUS_POWER [kW]");

  // The list shows health, connection and counters.
  await page.getByRole("link", { name: "Data sources", exact: true }).click();
  const row = page.locator("tr", { has: page.getByRole("link", { name: "Main meter" }) });
  await row.getByText("Connected", { exact: true }).waitFor();
  assert.match((await row.getByRole("img").getAttribute("data-tip")) ?? "", /^UP: last message \d+ s ago/);
  const [name, type, asset, role, enabled, health, connection, last, accepted, rejected] = await cells(row);
  assert.deepEqual(
    [name, type, asset, role, enabled, health, connection, accepted, rejected],
    [
      "Main meterMeter AT0010000000000000001000000001234",
      "CIM",
      "Connection agreement point",
      "Grid connection meter",
      "Yes",
      "UP",
      "Connected",
      "3",
      "1",
    ],
  );
  assert.match(last ?? "", /^\d+ s ago$/);
  await expectNoAxeViolations(page, "the data source list");

  // Delete it, after a confirmation.
  await row.getByRole("link", { name: "Main meter" }).click();
  await page.getByRole("button", { name: "Delete" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Delete Main meter?" });
  await confirm.getByRole("button", { name: "Cancel" }).click();
  assert.equal((await hub.api("GET", "/api/datasources")).body.length, 1, "cancel keeps it");
  await page.getByRole("button", { name: "Delete" }).click();
  await confirm.getByRole("button", { name: "Delete data source" }).click();
  await page.getByText("No data sources yet.").waitFor();
  assert.deepEqual((await hub.api("GET", "/api/datasources")).body, []);
  assertNoConsoleErrors();
});

/** The text of an element. */
async function text(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? "";
}

/** The texts of a table row's cells. */
function cells(row: Locator): Promise<string[]> {
  return row.locator("th, td").allTextContents();
}

async function downloadCsv(page: Page): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download chart (CSV)" }).click(),
  ]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: await readFile(path, "utf8") };
}
