import assert from "node:assert/strict";
import { test } from "node:test";
import { expectNoAxeViolations } from "../helpers/axe.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { logIn, openBrowser } from "./browser.ts";

/** A message with import power (type 2, 1-0:1.7.0) and export power (type 3, 1-0:2.7.0) measured now. */
function powerMessage(importKw: number, exportKw: number): string {
  return JSON.stringify({
    "dateAndOrTime.dateTime": new Date().toISOString(),
    Quantity: [
      { quantity: importKw, type: "2" },
      { quantity: exportKw, type: "3" },
    ],
  });
}

test("the overview shows each source's live power under its role's names, and the household's balance adds up", async (t) => {
  const hub = await startTestHub(t);
  const grid = await hub.createDataSource({ name: "House connection", asset: "CONNECTION-AGREEMENT-POINT" });
  const solar = await hub.createDataSource({ name: "Roof PV", asset: "SUBMETER", role: "PV_INVERTER" });
  const gridDevice = await connectDevice(t, hub.mqttUrl, grid);
  const solarDevice = await connectDevice(t, hub.mqttUrl, solar);
  // Before the page opens: the tiles start from each source's latest record.
  await gridDevice.publishAsync(grid.topic, powerMessage(0.5, 0), { qos: 1 });
  await solarDevice.publishAsync(solar.topic, powerMessage(0, 2), { qos: 1 });

  const { page, assertNoConsoleErrors } = await openBrowser(t);
  await logIn(page, hub.httpUrl);
  await page.getByRole("link", { name: "Overview" }).click();
  await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();

  const tile = (id: string) => page.locator(`article.tile[data-source-id="${id}"]`);
  const power = (id: string, flow: "imported" | "exported") =>
    tile(id).locator(`.tile-power[data-flow="${flow}"]`);
  await power(grid.id, "imported")
    .filter({ hasText: /Grid import\s*0\.5 kW/ })
    .waitFor();
  await power(solar.id, "exported")
    .filter({ hasText: /Solar production\s*2 kW/ })
    .waitFor();
  assert.match((await tile(solar.id).textContent()) ?? "", /Solar \(PV\) inverter/);

  const now = page.locator('[data-period="now"]');
  const figure = (name: string) => now.locator(`[data-figure="${name}"] dd`);
  // Home = grid import − feed-in + solar = 0.5 − 0 + 2.
  await figure("home")
    .filter({ hasText: /^2\.5 kW$/ })
    .waitFor();
  assert.equal(await figure("solar").textContent(), "2 kW");

  // Live: new records move the tiles and the balance without a reload.
  await page.evaluate("window.__noReload = true");
  await solarDevice.publishAsync(solar.topic, powerMessage(0, 3.25), { qos: 1 });
  await gridDevice.publishAsync(grid.topic, powerMessage(0, 1.25), { qos: 1 });
  await power(grid.id, "exported")
    .filter({ hasText: /Feed-in\s*1\.25 kW/ })
    .waitFor();
  await figure("home")
    .filter({ hasText: /^2 kW$/ })
    .waitFor();
  assert.equal(await figure("feed-in").textContent(), "1.25 kW");
  assert.equal(await page.evaluate("window.__noReload"), true, "the page did not reload");

  await expectNoAxeViolations(page, "overview");
  assertNoConsoleErrors();
});

test("an overview without data sources says how to start", async (t) => {
  const hub = await startTestHub(t);
  const { page, assertNoConsoleErrors } = await openBrowser(t);
  await logIn(page, hub.httpUrl);
  await page.goto(`${hub.httpUrl}/`);
  await page.getByText("No data sources yet.").waitFor();
  await page.getByRole("link", { name: "Add your first data source" }).click();
  await page.getByRole("heading", { name: "Data sources", level: 1 }).waitFor();
  assertNoConsoleErrors();
});
