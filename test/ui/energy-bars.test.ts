import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { Page } from "playwright-core";
import { parseLocalInstant } from "../../src/platform/calendar-intervals.ts";
import { periodOf, shiftPeriod } from "../../web/src/lib/energy-period.ts";
import { addDays, localDate } from "../../web/src/lib/local-day.ts";
import { expectNoAxeViolations } from "../helpers/axe.ts";
import { type DeviceCredentials, startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { logIn, openBrowser } from "./browser.ts";

const VIENNA = "Europe/Vienna";
const HOUR = 3_600_000;

/** kWh imported on each day of the week (Monday first) and fed in (10:00 to 14:00 local). */
const IMPORT_PER_DAY = [2.5, 5, 7.5, 10, 12.5, 15, 17.5];
const EXPORT_PER_DAY = [0, 4, 4, 4, 4, 4, 0];

const local = (text: string) => parseLocalInstant(text, VIENNA) ?? assert.fail(`bad time ${text}`);

/**
 * Publishes a grid meter's two totals every hour of the week that starts on `monday` (Vienna time), in
 * the past: each reading adds its hour's share of the day's kWh (an hour belongs to the day of the reading
 * that closes it). One more reading at the next Monday 00:00 closes the Sunday.
 */
async function publishWeek(t: TestContext, mqttUrl: string, creds: DeviceCredentials, monday: string) {
  const device = await connectDevice(t, mqttUrl, creds);
  let imported = 4200;
  let exported = 1000;
  const readings: Array<{ ts: number; imported: number; exported: number }> = [];
  readings.push({ ts: local(`${addDays(monday, -1)}T23:00`), imported, exported });
  for (let ts = local(`${monday}T00:00`); ts <= local(`${addDays(monday, 7)}T00:00`); ts += HOUR) {
    const day = [0, 1, 2, 3, 4, 5, 6, 7].findIndex((d) => addDays(monday, d) === localDate(ts, VIENNA));
    const hour = Number(
      new Intl.DateTimeFormat("en-GB", { timeZone: VIENNA, hour: "2-digit", hourCycle: "h23" }).format(ts),
    );
    imported += (IMPORT_PER_DAY[day] ?? 1) / 24;
    // The four hours closed by the readings at 11:00 … 14:00 are 10:00 to 14:00.
    if (hour >= 11 && hour <= 14) exported += (EXPORT_PER_DAY[day] ?? 0) / 4;
    readings.push({ ts, imported, exported });
  }
  for (const r of readings) {
    const payload = JSON.stringify({
      "dateAndOrTime.dateTime": new Date(r.ts).toISOString(),
      Quantity: [
        { quantity: r.imported, type: "0" }, // 1-0:1.8.0
        { quantity: r.exported, type: "1" }, // 1-0:2.8.0
      ],
    });
    await device.publishAsync(creds.topic, payload, { qos: 1 });
  }
}

/** The rows of the bars' table (the screen reader's view): interval, then each column's text. */
function tableRows(page: Page): Promise<string[][]> {
  return page
    .locator("table.energy-table tbody tr")
    .evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent ?? "")));
}

test("energy bars: a published week's kWh per day, previous/next, partial days, German, accessible", async (t) => {
  // Hourly readings count as continuous data with a gap limit of an hour (the default 15 min would not).
  const hub = await startTestHub(t, { config: { timeZone: VIENNA, energyMaxGapSeconds: "1h" } });
  const creds = await hub.createDataSource({ name: "Hauptzähler", asset: "CONNECTION-AGREEMENT-POINT" });
  // Two weeks before the current one, so every day of it is over.
  const current = periodOf("week", localDate(Date.now(), VIENNA));
  const target = shiftPeriod(shiftPeriod(current, -1), -1);
  await publishWeek(t, hub.mqttUrl, creds, target.from);

  const { page, assertNoConsoleErrors } = await openBrowser(t, { viewport: { width: 1100, height: 900 } });
  await logIn(page, hub.httpUrl);
  await page.goto(`${hub.httpUrl}/sources/${creds.id}/history`);
  const weekName = (from: string) => {
    const { week, year } = isoWeekOf(from);
    return `Week ${week}, ${year}`;
  };
  await page.getByRole("heading", { name: weekName(current.from) }).waitFor();
  assert.equal(
    await page.getByRole("radio", { name: "Week", exact: true }).isChecked(),
    true,
    "a week of days by default",
  );
  assert.equal(
    await page.getByRole("button", { name: /Next week/ }).isDisabled(),
    true,
    "no week after this one",
  );
  await page.getByText(/Days and hours in (CET|GMT\+1), the hub/).waitFor();

  // Back two weeks with the keyboard.
  await page.getByRole("button", { name: /Previous week/ }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: weekName(shiftPeriod(current, -1).from) }).waitFor();
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: weekName(target.from) }).waitFor();
  await page.locator("table.energy-table tbody tr").first().waitFor();
  assert.match(page.url(), new RegExp(`period=week&date=${target.from}`), "the URL keeps the period");

  const headers = await page.locator("table.energy-table thead th").allTextContents();
  assert.deepEqual(headers.slice(0, 1), ["Day"]);
  assert.match(headers[1] ?? "", /^Grid import.*\(kWh\)$/);
  assert.match(headers[2] ?? "", /^Feed-in.*\(kWh\)$/);
  const rows = await tableRows(page);
  const dayText = new Intl.DateTimeFormat("en-US", {
    weekday: "short",
    day: "numeric",
    month: "short",
    timeZone: VIENNA,
  });
  assert.deepEqual(
    rows,
    IMPORT_PER_DAY.map((kWh, d) => [
      dayText.format(local(`${addDays(target.from, d)}T00:00`)),
      String(kWh),
      String(EXPORT_PER_DAY[d]),
      "100%",
    ]),
    "the table holds each published day's kWh",
  );
  assert.equal(
    await page.locator("svg.energy-chart rect.bar").count(),
    14,
    "a bar per day and direction, 0 kWh as a bar of no height",
  );
  assert.equal(await page.locator("svg.energy-chart rect.bar.partial").count(), 0);
  await expectNoAxeViolations(page, "energy bars of a week");

  // The next week holds only the reading that closed the Sunday: its Monday is partial, and says so.
  await page.getByRole("button", { name: /Next week/ }).click();
  await page.getByRole("heading", { name: weekName(shiftPeriod(target, 1).from) }).waitFor();
  await page.locator("svg.energy-chart rect.bar.partial").first().waitFor();
  assert.match(
    (await page.locator("svg.energy-chart rect.bar.partial title").first().textContent()) ?? "",
    /partial: data for \d+% of the time/,
  );
  await page.getByText("Partial: data for only part of the time").waitFor();

  // A month of days and a year of months hold the same kWh.
  await page.getByRole("radio", { name: "Month", exact: true }).check();
  await page.locator("table.energy-table thead th", { hasText: "Day" }).waitFor();
  await page.getByRole("radio", { name: "Year", exact: true }).check();
  await page.locator("table.energy-table thead th", { hasText: "Month" }).waitFor();
  assertNoConsoleErrors();

  // German: the week is a "KW", numbers have a decimal comma.
  const de = await openBrowser(t, { locale: "de-DE", viewport: { width: 1100, height: 900 } });
  await de.page.goto(`${hub.httpUrl}/sources`);
  await de.page.getByLabel("Passwort").fill("test-admin-password");
  await de.page.getByRole("button", { name: "Anmelden" }).click();
  await de.page.waitForURL(/\/sources|\/$/);
  await de.page.goto(`${hub.httpUrl}/sources/${creds.id}/history?period=week&date=${target.from}`);
  const { week, year } = isoWeekOf(target.from);
  await de.page.getByRole("heading", { name: `KW ${week} ${year}` }).waitFor();
  await de.page.getByRole("button", { name: /Vorherige Woche/ }).waitFor();
  await de.page.locator("table.energy-table tbody tr").first().waitFor();
  const germanRows = await tableRows(de.page);
  assert.deepEqual(
    germanRows.map((r) => r[1]),
    IMPORT_PER_DAY.map((kWh) => new Intl.NumberFormat("de-DE").format(kWh)),
  );
  await expectNoAxeViolations(de.page, "energy bars in German");
  de.assertNoConsoleErrors();
});

/** The ISO week of a date, worked out here independently of the UI's helper. */
function isoWeekOf(date: string): { week: number; year: number } {
  const d = new Date(`${date}T00:00:00Z`);
  const weekday = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - weekday + 3);
  const year = d.getUTCFullYear();
  const firstThursday = new Date(Date.UTC(year, 0, 4));
  firstThursday.setUTCDate(firstThursday.getUTCDate() - ((firstThursday.getUTCDay() + 6) % 7) + 3);
  return { week: 1 + Math.round((d.getTime() - firstThursday.getTime()) / (7 * 86_400_000)), year };
}
