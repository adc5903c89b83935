import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { logIn, openBrowser } from "./browser.ts";
import { cimMessage } from "./page-helpers.ts";

test("history: Download readings saves the hub's CSV of the shown range, named after the source and the days", async (t) => {
  const hub = await startTestHub(t, { config: { timeZone: "Europe/Vienna" } });
  const source = await hub.createDataSource({ name: "Main meter" });
  const device = await connectDevice(t, hub.mqttUrl, source);
  // The fall-back day in Vienna: 02:30 happens twice, once in summer time and once in winter time.
  for (const [iso, kwh, kw] of [
    ["2026-10-25T00:30:00Z", 4200.5, 0.1 + 0.2],
    ["2026-10-25T01:30:00Z", 4200.75, 1.25],
  ] as const) {
    await device.publishAsync(source.topic, cimMessage(Date.parse(iso), kwh, kw), { qos: 1 });
  }
  const { page, assertNoConsoleErrors } = await openBrowser(t, { viewport: { width: 1200, height: 900 } });
  await logIn(page, hub.httpUrl);
  // That local day, 25 hours long: from its start to the next day's start.
  const from = Date.parse("2026-10-24T22:00:00Z");
  const to = Date.parse("2026-10-25T23:00:00Z");
  await page.goto(`${hub.httpUrl}/sources/${source.id}/history?from=${from}&to=${to}`);
  await page.getByText("one point per 5 min").waitFor();

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download readings (CSV)" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "aiida-main-meter-2026-10-25_2026-10-25.csv");
  const text = await readFile(await download.path(), "utf8");
  assert.deepEqual(text.split("\r\n"), [
    "Local time (Europe/Vienna),UTC time,Grid import (total) (kWh) [1-0:1.8.0],Grid import (kW) [1-0:1.7.0]",
    "2026-10-25T02:30:00+02:00,2026-10-25T00:30:00Z,4200.5,0.3",
    "2026-10-25T02:30:00+01:00,2026-10-25T01:30:00Z,4200.75,1.25",
    "",
  ]);
  assertNoConsoleErrors();
});
