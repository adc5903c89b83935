import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import type { Locator } from "playwright-core";
import { TLS_FILES, TLS_FOLDER } from "../../src/tls/private-ca-credentials.ts";
import { startTestHub, tempDataDir } from "../helpers/hub-harness.ts";
import { logIn, openBrowser } from "./browser.ts";

/** The text of an element as the page holds it. */
async function text(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? "";
}

test("with --tls the UI, served over HTTPS, offers the CA certificate and its snippets use it, and they work", async (t) => {
  const hub = await startTestHub(t, { config: { tls: "true", mqttsPort: "0", httpsPort: "0" } });
  const caPem = readFileSync(join(hub.dataDir, TLS_FOLDER, TLS_FILES.caCertificate), "utf8");
  // The browser does not know the hub's CA; the devices below do, by the file the page hands out.
  const { page, assertNoConsoleErrors } = await openBrowser(t, { ignoreHTTPSErrors: true });
  await logIn(page, hub.running.httpsUrl ?? "");
  const headerLink = page.getByRole("banner").getByRole("link", { name: "CA certificate" });
  await headerLink.waitFor();

  await page.getByRole("button", { name: "+ Add data source" }).click();
  const form = page.getByRole("dialog", { name: "Add a data source" });
  await form.getByLabel("Name").fill("Meter over TLS");
  await form.getByLabel("Country").selectOption({ label: "Austria" });
  await form.getByRole("button", { name: "Add data source" }).click();
  const panel = page.getByRole("dialog", { name: "Meter over TLS is ready to connect" });
  const download = panel.getByRole("link", { name: "Download the CA certificate" });
  await download.waitFor();
  assert.match(await text(panel.locator('[data-credential="brokerUrl"]')), /^mqtts:\/\//);

  const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
  assert.equal(file.suggestedFilename(), "aiida-hub-ca.pem");
  const deviceDir = tempDataDir(t);
  await file.saveAs(join(deviceDir, "aiida-hub-ca.pem"));
  assert.equal(readFileSync(join(deviceDir, "aiida-hub-ca.pem"), "utf8"), caPem);

  await panel.getByRole("button", { name: "Show" }).click();
  const mosquitto = await text(panel.locator('[data-snippet="mosquitto"] pre'));
  assert.match(mosquitto, / --cafile aiida-hub-ca\.pem /);
  await panel.getByRole("tab", { name: "Python" }).click();
  assert.match(
    await text(panel.locator('[data-snippet="python"] pre')),
    /^client\.tls_set\(ca_certs="aiida-hub-ca\.pem"\)$/m,
  );
  await panel.getByRole("tab", { name: "aiida-hub simulator" }).click();
  assert.match(
    await text(panel.locator('[data-snippet="cli"] pre')),
    /^aiida-hub publish simulate --ca aiida-hub-ca\.pem$/m,
  );

  // The mosquitto_pub snippet, run as shown beside the downloaded file, reaches the hub over MQTTS.
  // Async: the hub runs in this process, so a synchronous child would block it.
  await promisify(execFile)("bash", ["-c", mosquitto], { cwd: deviceDir, timeout: 10_000 });
  const username = await text(panel.locator('[data-credential="username"]'));
  const latest = await hub.api("GET", `/api/datasources/${username}/records/latest`);
  assert.equal(latest.status, 200);
  assert.equal(latest.body.timestampSource, "device");
  assertNoConsoleErrors();
});

test("without TLS the UI offers no CA certificate", async (t) => {
  const hub = await startTestHub(t);
  const { page, assertNoConsoleErrors } = await openBrowser(t);
  const asked = page.waitForResponse((res) => res.url().endsWith("/api/application-information"));
  await logIn(page, hub.httpUrl);
  assert.deepEqual((await (await asked).json()).tls, { enabled: false, caCertificateUrl: null });
  assert.equal(await page.getByRole("link", { name: "CA certificate" }).count(), 0);
  assertNoConsoleErrors();
});
