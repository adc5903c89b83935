import assert from "node:assert/strict";
import { test } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { logIn, openBrowser } from "./browser.ts";

test("the feedback panel leads with sentences, highlights implausible values and keeps JSON paths for experts", async (t) => {
  const hub = await startTestHub(t);
  const source = await hub.createDataSource({ name: "Grid meter" });
  const { page, assertNoConsoleErrors } = await openBrowser(t);
  await logIn(page, hub.httpUrl);
  await page.goto(`${hub.httpUrl}/sources/${source.id}`);
  await page.getByRole("heading", { name: "Grid meter", level: 1 }).waitFor();
  await page.getByText("● Live").waitFor();

  const device = await connectDevice(t, hub.mqttUrl, source);
  const time = new Date(Date.now() - 1000).toISOString();
  const message = { "dateAndOrTime.dateTime": time, Quantity: [{ quantity: 1500, type: "2" }] };
  await device.publishAsync(source.topic, JSON.stringify(message), { qos: 1 });

  const report = page.locator(".feedback-item").first();
  await report.locator(".feedback-summary", { hasText: "Stored 1 value, with 1 warning." }).waitFor();
  const warning = report.locator(".warning-message.plausibility");
  await warning.waitFor();
  assert.equal(
    await warning.textContent(),
    "Implausible Grid import 1,500 kW is far more than a household draws (at most 100 kW expected) — does the device send W instead of kW? Stored all the same.",
  );
  const highlight = await warning.evaluate(
    (el) => el.ownerDocument.defaultView?.getComputedStyle(el).backgroundColor,
  );
  assert.notEqual(highlight, "rgba(0, 0, 0, 0)", "the warning is highlighted");
  assert.match((await report.textContent()) ?? "", /Kept: Grid import 1,500 kW \(1-0:1\.7\.0\)/);

  // The JSON path is there for experts, folded away until asked for.
  const path = report.locator("code.json-path", { hasText: "$.Quantity[0].quantity" });
  assert.equal(await path.isVisible(), false);
  await report.getByText("Details for experts (JSON paths)").click();
  await path.waitFor();
  assert.match(
    (await report.locator(".feedback-details").textContent()) ?? "",
    /outside the plausible range -100\.\.100 kW/,
  );
  assertNoConsoleErrors();
});

test("the edit dialog takes plausible ranges as JSON and a bad meter id gets its field error", async (t) => {
  const hub = await startTestHub(t);
  const source = await hub.createDataSource({ name: "Heat pump" });
  const { page, allowConsoleError, assertNoConsoleErrors } = await openBrowser(t);
  allowConsoleError(/status of 400.*\/api\/datasources/);
  await logIn(page, hub.httpUrl);
  await page.goto(`${hub.httpUrl}/sources/${source.id}`);
  await page.getByRole("button", { name: "Edit" }).click();
  const form = page.getByRole("dialog", { name: "Edit Heat pump" });
  const ranges = form.getByLabel("Plausible ranges (optional, JSON)");
  const meterId = form.getByLabel("Meter id (optional)");

  await ranges.fill("{max: 2000}");
  await form.getByRole("button", { name: "Save" }).click();
  await form.locator('[data-field="plausibility"]', { hasText: "must be JSON such as" }).waitFor();

  await ranges.fill('{"2": {"max": 2000}}');
  await meterId.fill("Zähler 1");
  await form.getByRole("button", { name: "Save" }).click();
  await form.locator('[data-field="meterId"]', { hasText: "use only letters, digits and - _ ." }).waitFor();
  assert.equal(
    (await hub.api("GET", `/api/datasources/${source.id}`)).body.plausibility,
    null,
    "nothing changed",
  );

  await meterId.fill("");
  await form.getByRole("button", { name: "Save" }).click();
  await form.waitFor({ state: "detached" });
  assert.deepEqual((await hub.api("GET", `/api/datasources/${source.id}`)).body.plausibility, {
    "1-0:1.7.0": { max: 2000 },
  });
  await page.getByRole("button", { name: "Edit" }).click();
  assert.match(await ranges.inputValue(), /"1-0:1\.7\.0": \{\s+"max": 2000\s+\}/, "shown again as saved");
  assertNoConsoleErrors();
});
