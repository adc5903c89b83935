import assert from "node:assert/strict";
import { test } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { logIn, openBrowser } from "./browser.ts";

/** A message with import power (type 2) and feed-in power (type 3) measured just now; `extra` fields added. */
function powerMessage(importKw: number, exportKw: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    "dateAndOrTime.dateTime": new Date().toISOString(),
    Quantity: [
      { quantity: importKw, type: "2" },
      { quantity: exportKw, type: "3" },
    ],
    ...extra,
  });
}

test("a role chosen in the form names the quantities in the live view, the feedback, the history and the list", async (t) => {
  const hub = await startTestHub(t);
  const { page, assertNoConsoleErrors } = await openBrowser(t);
  await logIn(page, hub.httpUrl);

  await page.getByRole("button", { name: "+ Add data source" }).click();
  const form = page.getByRole("dialog", { name: "Add a data source" });
  const asset = form.getByLabel("Asset");
  const role = form.getByLabel("Role");
  await form.getByLabel("Name").fill("House connection");
  await form.getByLabel("Country").selectOption({ label: "Austria" });
  // The role follows the asset until the user picks one.
  assert.equal(await asset.inputValue(), "CONNECTION-AGREEMENT-POINT");
  assert.equal(await role.inputValue(), "GRID_METER");
  await asset.selectOption("SUBMETER");
  assert.equal(await role.inputValue(), "OTHER_CONSUMER");
  await role.selectOption({ label: "Grid connection meter" });
  await asset.selectOption("DEDICATED-MEASUREMENT-DEVICE");
  assert.equal(await role.inputValue(), "GRID_METER", "a role the user chose stays");
  await form.getByRole("button", { name: "Add data source" }).click();
  const panel = page.getByRole("dialog", { name: "House connection is ready to connect" });
  const id = (await panel.locator('[data-credential="username"]').textContent()) ?? "";
  const password = await panel.locator('[data-credential="password"]').inputValue();
  await panel.getByRole("button", { name: "Done — I have saved the password" }).click();
  await page.getByRole("heading", { name: "House connection", level: 1 }).waitFor();
  await page.locator(".source-head .meta", { hasText: "Grid connection meter" }).waitFor();
  const stored = (await hub.api("GET", `/api/datasources/${id}`)).body;
  assert.deepEqual([stored.asset, stored.role], ["DEDICATED-MEASUREMENT-DEVICE", "GRID_METER"]);

  // Live: "Grid import" beside 1-0:1.7.0, and its OBIS name still there for experts.
  await page.getByText("● Live").waitFor();
  const device = await connectDevice(t, hub.mqttUrl, { id, password });
  await device.publishAsync(`aiida/${id}/data`, powerMessage(2.5, 0), { qos: 1 });
  const importRow = page.locator('tr[data-obis="1-0:1.7.0"]');
  await importRow.locator("td.value", { hasText: /^2\.5$/ }).waitFor();
  assert.equal(await importRow.locator("th").textContent(), "Grid importPOSITIVE_ACTIVE_INSTANTANEOUS_POWER");
  assert.equal(await importRow.locator("td code").textContent(), "1-0:1.7.0");
  const exportRow = page.locator('tr[data-obis="1-0:2.7.0"]');
  assert.equal(await exportRow.locator("th").textContent(), "Feed-inNEGATIVE_ACTIVE_INSTANTANEOUS_POWER");

  // Another role in the edit dialog renames what is on screen, without a reload.
  await page.evaluate("window.__noReload = true");
  await page.getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("dialog", { name: "Edit House connection" });
  await edit.getByLabel("Role").selectOption({ label: "Solar (PV) inverter" });
  await edit.getByRole("button", { name: "Save" }).click();
  await exportRow.locator("th", { hasText: /^Solar production/ }).waitFor();
  assert.equal(
    await importRow.locator("th").textContent(),
    "Positive active instantaneous powerPOSITIVE_ACTIVE_INSTANTANEOUS_POWER",
    "an inverter gives its own draw no plain name",
  );
  await page.locator(".source-head .meta", { hasText: "Solar (PV) inverter" }).waitFor();

  // Feedback: what was kept, by the hub's plain name, its OBIS code beside.
  await device.publishAsync(`aiida/${id}/data`, powerMessage(0, 3.5, { colour: "red" }), { qos: 1 });
  const kept = page.locator(".feedback-item .kept").first();
  await kept.waitFor();
  assert.equal(
    await kept.textContent(),
    "Kept: Instantaneous active power consumption 0 kW (1-0:1.7.0), Solar production 3.5 kW (1-0:2.7.0)",
  );
  await exportRow.locator("td.value", { hasText: /^3\.5$/ }).waitFor();
  assert.equal(await page.evaluate("window.__noReload"), true, "the page was not reloaded");

  // History: the quantity picker by plain name beside the OBIS code.
  await page.getByRole("link", { name: "History" }).click();
  await page.getByText("Last hour").click();
  await page.getByRole("checkbox", { name: "Solar production [kW] 1-0:2.7.0" }).waitFor();

  // The list: each source's role.
  await page.getByRole("link", { name: "← All data sources" }).click();
  const row = page.locator(`tr[data-source-id="${id}"]`);
  assert.equal(await row.locator('td[data-label="Role"]').textContent(), "Solar (PV) inverter");
  assertNoConsoleErrors();
});
