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

  // Live: new records move the tiles and the balance without a reload, and keyboard focus stays put.
  await page.evaluate("window.__noReload = true");
  await tile(grid.id).getByRole("link", { name: "House connection" }).focus();
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
  assert.equal(
    await page.evaluate("document.activeElement?.textContent"),
    "House connection",
    "the focused tile link keeps focus while the tiles are rebuilt",
  );

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

test("the household's today adds up the day's kWh from the meters' registers, with self-consumption and autarky", async (t) => {
  const hub = await startTestHub(t, { config: { timeZone: "UTC" } });
  const grid = await hub.createDataSource({ name: "House connection", asset: "CONNECTION-AGREEMENT-POINT" });
  const solar = await hub.createDataSource({ name: "Roof PV", asset: "SUBMETER", role: "PV_INVERTER" });
  const now = Date.now();
  // Two readings of today (UTC): the earlier one two minutes ago, or at midnight if the day is younger.
  const earlier = new Date(Math.max(now - 120_000, now - (now % 86_400_000))).toISOString();
  const later = new Date(now).toISOString();
  const registers = (at: string, importKwh: number, exportKwh: number) =>
    JSON.stringify({
      "dateAndOrTime.dateTime": at,
      Quantity: [
        { quantity: importKwh, type: "0" },
        { quantity: exportKwh, type: "1" },
      ],
    });
  const gridDevice = await connectDevice(t, hub.mqttUrl, grid);
  const solarDevice = await connectDevice(t, hub.mqttUrl, solar);
  await gridDevice.publishAsync(grid.topic, registers(earlier, 100, 50), { qos: 1 });
  await gridDevice.publishAsync(grid.topic, registers(later, 103, 51), { qos: 1 });
  await solarDevice.publishAsync(solar.topic, registers(earlier, 0, 10), { qos: 1 });
  await solarDevice.publishAsync(solar.topic, registers(later, 0, 14), { qos: 1 });

  const { page, assertNoConsoleErrors } = await openBrowser(t);
  await logIn(page, hub.httpUrl);
  await page.goto(`${hub.httpUrl}/`);
  const today = page.locator('[data-period="today"]');
  const figure = (name: string) => today.locator(`[data-figure="${name}"] dd`);
  // Grid import 3, feed-in 1, solar 4: the house used 3 − 1 + 4 = 6 kWh, 3 of the 4 solar kWh itself.
  await figure("home")
    .filter({ hasText: /^6 kWh$/ })
    .waitFor();
  assert.equal(await figure("grid-import").textContent(), "3 kWh");
  assert.equal(await figure("feed-in").textContent(), "1 kWh");
  assert.equal(await figure("solar").textContent(), "4 kWh");
  assert.equal(await figure("self-consumption").textContent(), "75%");
  assert.equal(await figure("autarky").textContent(), "50%");
  assertNoConsoleErrors();
});
