import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Locator, Page } from "playwright-core";
import { expectNoAxeViolations } from "../helpers/axe.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { base64Code, StandInEddie } from "../helpers/stand-in-eddie.ts";
import { startStandInEpBroker } from "../helpers/stand-in-ep-broker.ts";
import { logIn, openBrowser } from "./browser.ts";

const SCHEMAS = ["SMART-METER-P1-RAW", "SMART-METER-P1-CIM-V1-12"];

test("a household adds a permission from an AIIDA code, accepts it with its meter, sees what was sent and revokes it", async (t) => {
  const broker = await startStandInEpBroker(t);
  const eddie = await StandInEddie.start(t);
  eddie.useBroker(broker);
  const hub = await startTestHub(t);
  const meter = await hub.createDataSource({ name: "Main meter", asset: "CONNECTION-AGREEMENT-POINT" });
  await hub.createDataSource({ name: "Heat pump meter", asset: "SUBMETER" });
  const code = eddie.issue(1, { dataNeed: { schemas: SCHEMAS, transmissionSchedule: "* * * * * *" } });
  const permissionId = code.permissionIds[0] as string;
  const { page, assertNoConsoleErrors } = await openBrowser(t);
  await logIn(page, hub.httpUrl);

  // Paste the code; the new permission opens, waiting for a decision.
  await page.getByRole("link", { name: "Permissions" }).click();
  await page.getByRole("heading", { name: "Permissions", level: 1 }).waitFor();
  await expectNoAxeViolations(page, "the empty permissions list");
  await page.getByRole("button", { name: "+ Add permission" }).click();
  const add = page.getByRole("dialog", { name: "Add a permission" });
  await expectNoAxeViolations(page, "the add permission dialog");
  await add.getByLabel("AIIDA code").fill(base64Code(code));
  await add.getByRole("button", { name: "Add permission" }).click();
  await page.getByRole("heading", { name: "FUTURE_NEAR_REALTIME_DATA_OUTBOUND", level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/permissions/${permissionId}`);
  await page.locator('.title-badges [data-status="FETCHED_DETAILS"]').waitFor();

  // The pending list shows it with the service name, EDDIE's short id and no data source yet.
  await page.getByRole("link", { name: "← All permissions" }).click();
  await page.getByRole("tab", { name: "Pending" }).click();
  const row = page.locator(`tr[data-permission-id="${permissionId}"]`);
  const [service, eddieCell, status, , source] = await cells(row);
  assert.equal(service, `FUTURE_NEAR_REALTIME_DATA_OUTBOUND${`Permission ${permissionId.slice(0, 8)}`}`);
  assert.equal(eddieCell, eddie.eddieId.slice(0, 8));
  assert.equal(status, "FETCHED DETAILS");
  assert.equal(source, "none yet");
  await expectNoAxeViolations(page, "the pending permissions");
  assert.equal(
    await page.locator(`#panel-permissions-active tr[data-permission-id="${permissionId}"]`).count(),
    0,
  );

  // Details: what the service asks for, data tags by name and OBIS code, a safe policy link.
  await row.getByRole("link", { name: "FUTURE_NEAR_REALTIME_DATA_OUTBOUND" }).click();
  const details = page.locator(".permission-details");
  await details.getByText("Near realtime consumption data from the smart meter").waitFor();
  assert.deepEqual(await cells(details.locator('tr[data-obis="1-0:1.8.0"]')), [
    "Positive active energy",
    "1-0:1.8.0",
  ]);
  assert.deepEqual(await cells(details.locator('tr[data-obis="1-0:1.7.0"]')), [
    "Positive active instantaneous power",
    "1-0:1.7.0",
  ]);
  const policy = details.getByRole("link", { name: "https://example.com/toc" });
  assert.match((await policy.getAttribute("rel")) ?? "", /noopener/);
  assert.equal(await definition(details, "Schedule"), "* * * * * * (cron, with seconds)");
  assert.equal(await definition(details, "Asset"), "Connection agreement point");
  assert.equal(await definition(details, "Schemas"), SCHEMAS.join(", "));
  await expectNoAxeViolations(page, "a permission waiting for a decision");

  // Accept: only the meter of the data need's asset is offered.
  await page.getByRole("button", { name: "Accept…" }).click();
  const accept = page.getByRole("dialog", { name: "Accept the permission" });
  await accept.getByRole("radio", { name: "Main meter" }).waitFor();
  assert.equal(await accept.getByRole("radio").count(), 1);
  assert.equal(await accept.getByText("Heat pump meter").count(), 0, "a submeter cannot serve it");
  await accept.getByText("1 data source(s) of other assets are not offered").waitFor();
  await expectNoAxeViolations(page, "the accept dialog");
  await accept.getByRole("button", { name: "Accept and share" }).click();
  await page.locator('.title-badges [data-status="STREAMING_DATA"]').waitFor({ timeout: 20_000 });
  assert.equal(await definition(details, "Data source"), "Main meter");
  await broker.whenSubscribed(permissionId);
  const flow = page.getByTestId("data-flow");
  await flow.locator('[data-fact="broker"]', { hasText: /^Connected$/ }).waitFor();
  assert.equal(await flow.locator('[data-fact="transmission"]').textContent(), "On");

  // A reading from the meter leaves the house: last message per schema, and the consent record counts it.
  const device = await connectDevice(t, hub.mqttUrl, meter);
  const measuredAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 2000).toISOString();
  await device.publishAsync(
    meter.topic,
    JSON.stringify({
      version: "1.0",
      "dateAndOrTime.dateTime": measuredAt,
      Quantity: [
        { quantity: 25.5, type: "0", quality: "AS_PROVIDED" },
        { quantity: 1.75, type: "2", quality: "AS_PROVIDED" },
      ],
    }),
    { qos: 1 },
  );
  const raw = flow.locator('details[data-schema="SMART-METER-P1-RAW"]');
  await raw.waitFor({ timeout: 20_000 });
  await raw.locator("summary").click();
  const sent = JSON.parse((await raw.locator("pre").textContent()) ?? "");
  assert.equal(sent.permissionId, permissionId);
  assert.equal(sent.timestamp, measuredAt);
  await flow.locator('details[data-schema="SMART-METER-P1-CIM-V1-12"]').waitFor();
  await flow.locator('[data-fact="outbox"]', { hasText: /^0 data, 0 status/ }).waitFor();
  const consent = page.getByTestId("consent-record");
  const energyRow = consent.locator('tr[data-obis="1-0:1.8.0"][data-schema="SMART-METER-P1-RAW"]');
  await energyRow.waitFor({ timeout: 20_000 });
  assert.deepEqual((await cells(energyRow)).slice(0, 4), [
    "Positive active energy",
    "1-0:1.8.0",
    "SMART-METER-P1-RAW",
    "1",
  ]);
  // What the reader opened in the data flow panel stays open when the panel shows a newer message.
  const laterAt = new Date(Date.parse(measuredAt) + 1000).toISOString();
  await device.publishAsync(
    meter.topic,
    JSON.stringify({ "dateAndOrTime.dateTime": laterAt, Quantity: [{ quantity: 26, type: "0" }] }),
    { qos: 1 },
  );
  await raw.locator("pre", { hasText: laterAt }).waitFor({ state: "attached", timeout: 20_000 });
  assert.notEqual(await raw.getAttribute("open"), null);

  const csv = await download(page, consent.getByRole("link", { name: "Download CSV" }));
  assert.equal(csv.name, `consent-record-${permissionId}.csv`);
  const rows = csv.text.trim().split("\r\n");
  assert.equal(
    rows[0],
    "permissionId,schema,obisCode,name,unit,values,firstSentAt,lastSentAt,grantTime,revokeTime",
  );
  const energy = rows.find((r) => r.includes(",SMART-METER-P1-RAW,1-0:1.8.0,"))?.split(",");
  assert.deepEqual(energy?.slice(0, 6), [
    permissionId,
    "SMART-METER-P1-RAW",
    "1-0:1.8.0",
    "POSITIVE_ACTIVE_ENERGY",
    "kWh",
    "2",
  ]);
  assert.equal(rows.length - 1, 4, "two quantities in two schemas (the second reading had energy only)");
  await expectNoAxeViolations(page, "a permission sharing data, with its data flow and consent record");
  const json = await download(page, consent.getByRole("link", { name: "Download JSON" }));
  assert.equal(JSON.parse(json.text).permissionId, permissionId);

  // Revoke, after a confirmation: the permission is complete.
  await page.getByRole("button", { name: "Revoke" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Revoke FUTURE_NEAR_REALTIME_DATA_OUTBOUND?" });
  await confirm.getByRole("button", { name: "Cancel" }).click();
  assert.equal((await hub.api("GET", `/api/permissions/${permissionId}`)).body.status, "STREAMING_DATA");
  await page.getByRole("button", { name: "Revoke" }).click();
  await confirm.getByRole("button", { name: "Revoke permission" }).click();
  await page.locator('.title-badges [data-status="REVOKED"]').waitFor();
  assert.equal(await page.getByRole("button", { name: "Revoke" }).count(), 0);
  await page.getByRole("link", { name: "← All permissions" }).click();
  await page.getByRole("tab", { name: "Complete" }).click();
  await page.locator(`#panel-permissions-complete tr[data-permission-id="${permissionId}"]`).waitFor();
  await expectNoAxeViolations(page, "the complete permissions");
  assertNoConsoleErrors();
});

test("a code the hub cannot read shows the hub's reason next to the field and adds nothing", async (t) => {
  const hub = await startTestHub(t);
  const { page, assertNoConsoleErrors, allowConsoleError } = await openBrowser(t);
  allowConsoleError(/status of 400/);
  await logIn(page, hub.httpUrl);
  await page.goto(`${hub.httpUrl}/permissions`);
  await page.getByRole("button", { name: "+ Add permission" }).click();
  const add = page.getByRole("dialog", { name: "Add a permission" });
  const bad = Buffer.from(JSON.stringify({ eddieId: "x", permissionIds: [] })).toString("base64");
  await add.getByLabel("AIIDA code").fill(bad);
  await add.getByRole("button", { name: "Add permission" }).click();
  const error = add.locator('[data-field="aiidaCode"]');
  await error.locator("p").first().waitFor();
  const api = await hub.api("POST", "/api/permissions", { aiidaCode: bad });
  assert.equal(api.status, 400);
  const expected = api.body.error.details.map(
    (d: { path: string; reason: string }) => `${d.path}: ${d.reason}`,
  );
  assert.ok(expected.length > 0);
  assert.deepEqual(await error.locator("p").allTextContents(), expected);
  assert.equal(await add.getByLabel("AIIDA code").getAttribute("aria-invalid"), "true");
  await expectNoAxeViolations(page, "the add permission dialog with a field error");
  assert.deepEqual((await hub.api("GET", "/api/permissions")).body, []);
  assertNoConsoleErrors();
});

test("an image of the code's QR code is read in the browser and adds the permission", async (t) => {
  const hub = await startTestHub(t);
  const { page, assertNoConsoleErrors } = await openBrowser(t);
  await logIn(page, hub.httpUrl);
  await page.goto(`${hub.httpUrl}/permissions`);
  await page.getByRole("button", { name: "+ Add permission" }).click();
  const add = page.getByRole("dialog", { name: "Add a permission" });

  // Something that is no image says so under the image field.
  await add.getByLabel("Or an image of its QR code").setInputFiles({
    name: "notes.png",
    mimeType: "image/png",
    buffer: Buffer.from("not a picture"),
  });
  await add.locator('[data-field="qrImage"]', { hasText: "not an image the browser can read" }).waitFor();

  // The QR code's text fills in the code field, exactly.
  const code = (await readFile(new URL("../fixtures/ui/aiida-code.txt", import.meta.url), "utf8")).trim();
  await add
    .getByLabel("Or an image of its QR code")
    .setInputFiles(fileURLToPath(new URL("../fixtures/ui/aiida-code-qr.png", import.meta.url)));
  await add.locator('[data-decoded="true"]').waitFor();
  assert.equal(await add.getByLabel("AIIDA code").inputValue(), code);
  assert.equal(await add.locator('[data-field="qrImage"]').textContent(), "");
  await add.getByRole("button", { name: "Add permission" }).click();

  // The code's service does not answer: the permission waits for its details, and says why.
  const { permissionIds } = JSON.parse(Buffer.from(code, "base64").toString("utf8"));
  await page.getByRole("heading", { name: "Waiting for details", level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/permissions/${permissionIds[0]}`);
  await page.locator('.title-badges [data-status="CREATED"]').waitFor();
  await page.locator(".last-error").waitFor();
  const stored = (await hub.api("GET", "/api/permissions")).body;
  assert.deepEqual(
    stored.map((p: { permissionId: string }) => p.permissionId),
    permissionIds,
  );
  await page.getByRole("button", { name: "Reject" }).waitFor();
  await page.getByRole("button", { name: "Delete" }).waitFor();
  await expectNoAxeViolations(page, "a permission waiting for its details");
  assertNoConsoleErrors();
});

/** The texts of a table row's cells. */
function cells(row: Locator): Promise<string[]> {
  return row.locator("th, td").allTextContents();
}

/** The text of a <dd> after the <dt> with this label. */
async function definition(list: Locator, label: string): Promise<string> {
  return (await list.locator(`dt:text-is("${label}") + dd`).textContent()) ?? "";
}

async function download(page: Page, link: Locator): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent("download"), link.click()]);
  return { name: file.suggestedFilename(), text: await readFile(await file.path(), "utf8") };
}
