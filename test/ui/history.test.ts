import assert from "node:assert/strict";
import { test } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { logIn, openBrowser } from "./browser.ts";
import { cimMessage } from "./page-helpers.ts";

test("history: drag to zoom fetches a finer range, Zoom out goes back, and a custom range can be typed", async (t) => {
  const hub = await startTestHub(t);
  const source = await hub.createDataSource({ name: "Cellar" });
  const device = await connectDevice(t, hub.mqttUrl, source);
  const now = Date.now();
  // Two hours of readings, one a minute.
  for (let i = 120; i >= 0; i--) {
    await device.publishAsync(
      source.topic,
      cimMessage(now - i * 60_000, 100 + (120 - i) / 60, 1 + (i % 7) / 10),
      {
        qos: 1,
      },
    );
  }
  const { page, assertNoConsoleErrors } = await openBrowser(t, { viewport: { width: 1200, height: 900 } });
  await logIn(page, hub.httpUrl);
  await page.goto(`${hub.httpUrl}/sources/${source.id}/history`);
  // The source is two hours old: "Last day" starts at its first data, not with 22 empty hours.
  await page.getByText("one point per 30 s").waitFor();
  assert.equal(await page.getByRole("radio", { name: "Last day" }).isChecked(), true, "a day is the default");

  // Drag across the middle of the power chart.
  const over = page.locator('section.chart[data-unit="kW"] .u-over');
  await over.scrollIntoViewIfNeeded();
  const box = await over.boundingBox();
  assert.ok(box);
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.9, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.98, y, { steps: 5 });
  await page.mouse.up();
  await page.getByText(/one point per (1|5) s/).waitFor();
  assert.equal(await page.getByRole("radio", { name: "Custom" }).isChecked(), true);
  const zoomed = new URL(page.url());
  const span = Number(zoomed.searchParams.get("to")) - Number(zoomed.searchParams.get("from"));
  assert.ok(span > 0 && span < 3 * 3_600_000, `the zoomed span is a few hours at most (${span} ms)`);

  await page.getByRole("button", { name: "Zoom out" }).click();
  await page.getByText("one point per 30 s").waitFor();
  assert.equal(await page.getByRole("radio", { name: "Last day" }).isChecked(), true);
  assert.match(page.url(), /\?range=day$/);

  // A typed range: the last 30 minutes, in the browser's (UTC) time.
  await page.getByText("Custom").click();
  const from = new Date(now - 30 * 60_000).toISOString().slice(0, 16);
  const to = new Date(now + 60_000).toISOString().slice(0, 16);
  await page.getByLabel("From", { exact: true }).fill(from);
  await page.getByLabel("To", { exact: true }).fill(to);
  await page.getByRole("button", { name: "Show" }).click();
  await page.getByText(/one point per 5 s/).waitFor();
  await page.locator('section.chart[data-unit="kW"] canvas').waitFor();

  // An end before the start is refused in the form.
  await page.getByLabel("To", { exact: true }).fill(from);
  await page.getByLabel("From", { exact: true }).fill(to);
  await page.getByRole("button", { name: "Show" }).click();
  await page.getByText("The start must be before the end.").waitFor();

  // Two days of which only the last two hours hold data: Zoom in keeps the data in view.
  const twoDays = { from: now - 2 * 86_400_000, to: now + 60_000 };
  await page.goto(`${hub.httpUrl}/sources/${source.id}/history?from=${twoDays.from}&to=${twoDays.to}`);
  await page.getByText("one point per 5 min").waitFor();
  await page.getByRole("button", { name: "Zoom in" }).click();
  await page.waitForURL((url) => Number(url.searchParams.get("from")) !== twoDays.from);
  const zoomedIn = new URL(page.url());
  const inFrom = Number(zoomedIn.searchParams.get("from"));
  const inTo = Number(zoomedIn.searchParams.get("to"));
  // The shown range starts on a whole 5-minute point, so half of it is within that of half the asked span.
  const half = (twoDays.to - twoDays.from) / 2;
  assert.ok(Math.abs(inTo - inFrom - half) <= 5 * 60_000, `half the span (${inTo - inFrom} ms)`);
  assert.ok(inFrom <= now - 2 * 3_600_000 && inTo >= now, "the window holds the two hours of data");
  assert.match(
    (await page.locator(".quantities-fold summary").textContent()) ?? "",
    /^Quantities \(2 of 2 shown\)$/,
  );
  assert.equal(await page.locator(".quantities-fold").getAttribute("open"), "", "open on a wide screen");
  assertNoConsoleErrors();
});

test("history on a phone: the quantity checkboxes fold into one line before the first chart", async (t) => {
  const hub = await startTestHub(t);
  const source = await hub.createDataSource({ name: "Cellar" });
  const device = await connectDevice(t, hub.mqttUrl, source);
  await device.publishAsync(source.topic, cimMessage(Date.now() - 60_000, 100, 1), { qos: 1 });
  const { page, assertNoConsoleErrors } = await openBrowser(t, { viewport: { width: 390, height: 800 } });
  await logIn(page, hub.httpUrl);
  await page.goto(`${hub.httpUrl}/sources/${source.id}/history`);
  const summary = page.locator(".quantities-fold summary");
  await summary.waitFor();
  assert.equal(await summary.textContent(), "Quantities (2 of 2 shown)");
  assert.equal(await page.getByRole("checkbox").first().isVisible(), false, "folded on a phone");
  await summary.click();
  await page.getByRole("checkbox").first().uncheck();
  assert.equal(await summary.textContent(), "Quantities (1 of 2 shown)");
  assertNoConsoleErrors();
});
