// Refreshes the UI screenshots in docs/screenshots/: node --import tsx scripts/screenshots.ts
// Starts a hub on free ports with a temp data dir, adds a meter through the UI, publishes a day of
// readings over MQTT with device timestamps, and photographs the main pages with Debian's chromium.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { chromium, type Page } from "playwright-core";
import { loadConfig } from "../src/config/hub-config.ts";
import { createHub } from "../src/hub.ts";
import { silentLogger } from "../src/platform/logger.ts";
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from "../test/ui/browser.ts";

const OUT = new URL("../docs/screenshots/", import.meta.url).pathname;
const PASSWORD = "demo-admin-password";
const STEP_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/** A plausible household: base load, a morning and an evening peak, some noise. Deterministic. */
function powerAt(ms: number, i: number): number {
  const hour = new Date(ms).getUTCHours() + new Date(ms).getUTCMinutes() / 60;
  const peak = (centre: number, height: number, width: number) =>
    height * Math.exp(-(((hour - centre) / width) ** 2));
  const noise = (Math.sin(i * 12.9898) * 43758.5453) % 1;
  return (
    Math.round(
      (0.25 + peak(7.5, 1.6, 0.8) + peak(12.5, 1.1, 0.7) + peak(19, 2.4, 1.4) + 0.2 * Math.abs(noise)) * 1000,
    ) / 1000
  );
}

function cim(at: number, totalKwh: number, powerKw: number): string {
  return JSON.stringify({
    version: "1.0",
    "dateAndOrTime.dateTime": new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z"),
    Quantity: [
      { quantity: Math.round(totalKwh * 1000) / 1000, type: "0", quality: "AS_PROVIDED" },
      { quantity: powerKw, type: "2", quality: "AS_PROVIDED" },
    ],
  });
}

async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.waitForTimeout(1500); // let the new-value highlight fade and the chart settle
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage });
  process.stdout.write(`wrote docs/screenshots/${name}.png\n`);
}

const dataDir = mkdtempSync(join(tmpdir(), "aiida-hub-screenshots-"));
const hub = createHub(
  loadConfig(
    {
      host: "127.0.0.1",
      httpPort: "0",
      mqttPort: "0",
      dataDir,
      rateLimitPerSecond: "1000",
      timeZone: "Europe/Vienna",
    },
    { AIIDA_HUB_ADMIN_PASSWORD: PASSWORD },
  ),
  silentLogger,
);
const running = await hub.start();
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: CHROMIUM_FLAGS,
  headless: true,
});
try {
  mkdirSync(OUT, { recursive: true });
  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    locale: "en-GB",
    timezoneId: "Europe/Vienna",
    colorScheme: "light",
  });
  const page = await context.newPage();
  const base = running.httpUrl;

  await page.goto(`${base}/`);
  await page.getByLabel("Password").waitFor();
  await shoot(page, "login");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
  await page.getByRole("link", { name: "Data sources", exact: true }).click();

  // A second, quiet source makes the list look like a real home.
  const token = (
    (await await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: PASSWORD }),
    }).then((r) => r.json())) as { token: string }
  ).token;
  await fetch(`${base}/api/datasources`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      name: "Heat pump",
      type: "CIM",
      asset: "CONTROLLABLE-UNIT",
      countryCode: "AT",
      icon: "HEAT",
    }),
  });

  await page.getByRole("button", { name: "+ Add data source" }).click();
  const form = page.getByRole("dialog", { name: "Add a data source" });
  await form.getByLabel("Name").fill("Main meter");
  await form.getByLabel("Country").selectOption("AT");
  await form.getByLabel("Meter id (optional)").fill("AT0010000000000000001000012345678");
  await form.getByRole("button", { name: "Add data source" }).click();
  const panel = page.getByRole("dialog", { name: "Main meter is ready to connect" });
  await panel.waitFor();
  const username = (await panel.locator('[data-credential="username"]').textContent()) ?? "";
  const topic = (await panel.locator('[data-credential="topic"]').textContent()) ?? "";
  const password = await panel.locator('[data-credential="password"]').inputValue();
  await shoot(page, "credentials");
  await panel.getByRole("button", { name: "Done — I have saved the password" }).click();
  await page.getByText("● Live").waitFor();

  // A day of readings every five minutes, then one broken message for the feedback list.
  const device = await mqtt.connectAsync(running.mqttUrl, { username, password, reconnectPeriod: 0 });
  const now = Math.floor(Date.now() / STEP_MS) * STEP_MS;
  let total = 18_342.5;
  for (let at = now - DAY_MS, i = 0; at <= now; at += STEP_MS, i++) {
    const kw = powerAt(at, i);
    total += (kw * STEP_MS) / 3_600_000;
    await device.publishAsync(topic, cim(at, total, kw), { qos: 1 });
  }
  await device.publishAsync(
    topic,
    JSON.stringify({ version: "1.0", Quantity: [{ quantity: "n/a", type: "2" }] }),
    { qos: 1 },
  );
  await device.publishAsync(topic, cim(Date.now(), total + 0.01, 0.742), { qos: 1 });
  await page.locator(".feedback-item").first().waitFor();
  await page.locator('tr[data-obis="1-0:1.7.0"] td.value', { hasText: "0.742" }).waitFor();
  await page.locator(".title-badges", { hasText: "UP" }).waitFor();
  await shoot(page, "live");

  await page.getByRole("link", { name: "History" }).click();
  await page.locator("section.chart canvas").nth(1).waitFor();
  await shoot(page, "history", true);
  // The energy bars of the last two days: switch to the month, which holds today.
  await page.getByRole("radio", { name: "Month", exact: true }).check();
  await page.locator(".energy-bars svg").first().waitFor();
  await shoot(page, "energy-bars");

  await page.getByRole("link", { name: "Data sources", exact: true }).click();
  await page.locator("tr", { hasText: "Main meter" }).getByText("UP").waitFor();
  await shoot(page, "list");

  // Solar on the roof today, for the overview's household figures.
  const pv = (await fetch(`${base}/api/datasources`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      name: "Roof PV",
      type: "CIM",
      asset: "SUBMETER",
      role: "PV_INVERTER",
      countryCode: "AT",
    }),
  }).then((r) => r.json())) as { credentials: { username: string; password: string; topic: string } };
  const inverter = await mqtt.connectAsync(running.mqttUrl, {
    username: pv.credentials.username,
    password: pv.credentials.password,
    reconnectPeriod: 0,
  });
  const midnight = now - (now % DAY_MS);
  let produced = 4_210;
  for (let at = Math.max(midnight, now - DAY_MS); at <= now; at += STEP_MS) {
    const hour = new Date(at).getUTCHours() + new Date(at).getUTCMinutes() / 60;
    const kw = Math.max(0, Math.round(3.2 * Math.sin(((hour - 6) / 12) * Math.PI) * 1000) / 1000);
    produced += (kw * STEP_MS) / 3_600_000;
    await inverter.publishAsync(
      pv.credentials.topic,
      JSON.stringify({
        "dateAndOrTime.dateTime": new Date(at).toISOString(),
        Quantity: [
          { quantity: Math.round(produced * 1000) / 1000, type: "1" },
          { quantity: kw, type: "3" },
        ],
      }),
      { qos: 1 },
    );
  }
  await inverter.endAsync();
  await page.getByRole("link", { name: "Overview" }).click();
  await page.locator('[data-period="today"] [data-figure="home"] dd').waitFor();
  await shoot(page, "overview");

  // The same pages on a phone, in dark mode.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.getByRole("link", { name: "Data sources", exact: true }).click();
  await page.getByRole("link", { name: "Main meter" }).click();
  await page.locator('tr[data-obis="1-0:1.7.0"]').waitFor();
  await shoot(page, "phone-live-dark", true);
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.getByRole("link", { name: "History" }).click();
  await page.locator("section.chart canvas").first().waitFor();
  await shoot(page, "history-dark");
  await device.endAsync();
} finally {
  await browser.close();
  await hub.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
