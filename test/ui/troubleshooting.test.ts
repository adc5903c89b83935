import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { expectNoAxeViolations } from "../helpers/axe.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { mosquittoPubWithWrongPassword } from "../helpers/mosquitto-clients.ts";
import { logIn, openBrowser } from "./browser.ts";
import { cimMessage } from "./page-helpers.ts";

const run = promisify(execFile);

test("the source page tells refused logins in a sentence, explains 'Not connected' beside UP, and shows DISABLED", async (t) => {
  const hub = await startTestHub(t);
  const creds = await hub.createDataSource({ name: "Kitchen meter" });
  const port = String(hub.mqttPort);
  await mosquittoPubWithWrongPassword(creds);
  // A device that connects only to send: the message is fresh, the connection already gone.
  const message = cimMessage(Date.now() - 1000, 4200, 1.5);
  await run("mosquitto_pub", [
    "-h",
    "127.0.0.1",
    "-p",
    port,
    "-u",
    creds.id,
    "-P",
    creds.password,
    "-q",
    "1",
    "-t",
    creds.topic,
    "-m",
    message,
  ]);
  const { page, assertNoConsoleErrors } = await openBrowser(t);
  await logIn(page, hub.httpUrl);
  await page.goto(`${hub.httpUrl}/sources/${creds.id}`);

  const alert = page.locator(".connection-alert");
  await alert.waitFor();
  assert.equal(
    await alert.textContent(),
    "1 refused login in the last hour: wrong password, from 127.0.0.1.",
  );
  await page.getByText("Connection log").click();
  const rows = page.locator(".connection-log tbody tr");
  await rows.first().waitFor();
  const texts = await rows.allTextContents();
  assert.ok(
    texts.some((row) => row.includes("refused") && row.includes("wrong password")),
    texts.join("\n"),
  );
  assert.ok(
    texts.some((row) => row.includes("disconnected")),
    texts.join("\n"),
  );
  await expectNoAxeViolations(page, "the source page with its connection log open");

  const badges = page.locator(".title-badges");
  await badges.getByText("UP", { exact: true }).waitFor();
  const notConnected = badges.getByText("Not connected");
  assert.match((await notConnected.getAttribute("data-tip")) ?? "", /connect only to send/);

  assert.equal((await hub.api("PATCH", `/api/datasources/${creds.id}`, { enabled: false })).status, 200);
  await badges.getByText("DISABLED", { exact: true }).waitFor({ timeout: 15_000 });
  await expectNoAxeViolations(page, "a disabled source's page");
  assertNoConsoleErrors();
});

test("a page that loses the hub says so at the top and marks what it shows as stale, until the hub answers again", async (t) => {
  const hub = await startTestHub(t);
  const creds = await hub.createDataSource({ name: "Kitchen meter" });
  const { page, allowConsoleError, assertNoConsoleErrors } = await openBrowser(t);
  allowConsoleError(/ERR_FAILED|ERR_CONNECTION_REFUSED|Failed to load resource/);
  await logIn(page, hub.httpUrl);
  await page.goto(`${hub.httpUrl}/sources/${creds.id}`);
  await page.getByRole("heading", { name: "Kitchen meter" }).waitFor();
  const banner = page.locator(".hub-lost");
  assert.equal(await banner.isVisible(), false);

  // The network between browser and hub fails: every API call goes unanswered.
  await page.route("**/api/**", (route) => route.abort("failed"));
  await banner.waitFor({ state: "visible", timeout: 15_000 });
  assert.match((await banner.textContent()) ?? "", /Lost contact with the hub since .*out of date/);
  assert.equal(await page.locator("main").getAttribute("class"), "stale");
  // Marked stale, the page stays readable.
  await expectNoAxeViolations(page, "a page that lost the hub");

  await page.unroute("**/api/**");
  await banner.waitFor({ state: "hidden", timeout: 15_000 });
  assert.equal(await page.locator("main").getAttribute("class"), "");

  // And when the hub itself stops.
  await hub.stop();
  await banner.waitFor({ state: "visible", timeout: 15_000 });
  assertNoConsoleErrors();
});
