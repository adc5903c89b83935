import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { Locator, Page } from "playwright-core";
import { startTestHub, TEST_ADMIN_PASSWORD } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { base64Code, StandInEddie } from "../helpers/stand-in-eddie.ts";
import { startStandInEpBroker } from "../helpers/stand-in-ep-broker.ts";
import { logIn, openBrowser } from "./browser.ts";
import { englishLeft } from "./english-left.ts";

/** The hub's zone: times on the page follow it, not the browser's (UTC in these tests). */
const HUB_ZONE = "Europe/Vienna";
/** What the service and the household wrote: data, shown as it is in every language. */
const SERVICE = {
  name: "Energiegemeinschaft Sonnenfeld",
  description: "Viertelstundenwerte des Stromzählers",
  purpose: "Abrechnung in der Gemeinschaft",
};
const SOURCES = ["Hauptzähler", "Wärmepumpe"] as const;
/** The data need's quantities, as the UI names them (AIIDA's names; their words come with roles). */
const QUANTITIES = ["Positive active energy", "Positive active instantaneous power"];
const DATA = [...Object.values(SERVICE), ...SOURCES, ...QUANTITIES];

/** A date and time as the page writes it for a locale: medium date, long time, the hub's zone. */
const dateTime = (locale: string, iso: string) =>
  new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "long", timeZone: HUB_ZONE }).format(
    new Date(iso),
  );

async function hubWithService(t: TestContext) {
  const broker = await startStandInEpBroker(t);
  const eddie = await StandInEddie.start(t);
  eddie.useBroker(broker);
  const hub = await startTestHub(t, { config: { timeZone: HUB_ZONE } });
  const meter = await hub.createDataSource({ name: SOURCES[0], asset: "CONNECTION-AGREEMENT-POINT" });
  await hub.createDataSource({ name: SOURCES[1], asset: "SUBMETER" });
  const code = eddie.issue(1, {
    dataNeed: { ...SERVICE, schemas: ["SMART-METER-P1-RAW"], transmissionSchedule: "* * * * * *" },
  });
  return { hub, broker, meter, code, permissionId: code.permissionIds[0] as string };
}

test("in a German browser the login, the permissions and a permission speak German, with German numbers and dates", async (t) => {
  const { hub, broker, meter, code, permissionId } = await hubWithService(t);
  const { page, assertNoConsoleErrors, allowConsoleError } = await openBrowser(t, { locale: "de-DE" });
  allowConsoleError(/status of 401/); // the wrong password below

  // The login page.
  await page.goto(`${hub.httpUrl}/`);
  await page.getByRole("button", { name: "Anmelden" }).waitFor();
  assert.equal(await page.title(), "Anmelden · aiida-hub");
  assert.equal(await page.getAttribute("html", "lang"), "de");
  await page.getByLabel("Passwort").fill("falsch");
  await page.getByRole("button", { name: "Anmelden" }).click();
  await page.getByRole("alert").filter({ hasText: "Benutzername oder Passwort ist falsch." }).waitFor();
  assert.deepEqual(await englishLeft(page, "de", DATA), [], "the login page");
  assert.equal(await page.getByLabel("Benutzername").inputValue(), "admin");
  await page.getByLabel("Passwort").fill(TEST_ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Anmelden" }).click();

  // The permissions list, and the dialog that adds one.
  await page.getByRole("navigation").getByRole("link", { name: "Freigaben" }).click();
  await page.getByRole("heading", { name: "Freigaben", level: 1 }).waitFor();
  assert.equal(await page.title(), "Freigaben · aiida-hub");
  assert.deepEqual(await page.getByRole("tab").allTextContents(), ["Aktiv", "Offen", "Beendet"]);
  await page.getByText("Keine Freigabe ist aktiv.").waitFor();
  assert.deepEqual(await englishLeft(page, "de", DATA), [], "the empty permissions list");
  await page.getByRole("button", { name: "+ Freigabe hinzufügen" }).click();
  const add = page.getByRole("dialog", { name: "Eine Freigabe hinzufügen" });
  await add.getByRole("button", { name: "Freigabe hinzufügen" }).click();
  await add.getByText("Fügen Sie den AIIDA-Code ein oder wählen Sie ein Bild seines QR-Codes.").waitFor();
  assert.deepEqual(await englishLeft(page, "de", DATA), [], "the add dialog");
  await add.getByLabel("AIIDA-Code").fill(base64Code(code));
  await add.getByRole("button", { name: "Freigabe hinzufügen" }).click();

  // The new permission waits for a decision: its status in German, AIIDA's name in the tooltip.
  await page.getByRole("heading", { name: SERVICE.name, level: 1 }).waitFor();
  const badge = page.locator('.title-badges [data-status="FETCHED_DETAILS"]');
  await badge.waitFor();
  assert.equal(await badge.textContent(), "Entscheidung offen");
  assert.equal(await badge.getAttribute("data-tip"), "FETCHED_DETAILS: wartet auf Ihre Entscheidung");
  const details = page.locator(".permission-details");
  await details.getByRole("heading", { name: "Was der Dienst verlangt" }).waitFor();
  assert.equal(await definition(details, "Messort"), "Netzanschlusspunkt");
  assert.equal(
    await details.locator('dt:text-is("Messort") + dd span').getAttribute("title"),
    "CONNECTION-AGREEMENT-POINT",
  );
  assert.equal(await definition(details, "Erteilt"), "noch nicht");
  assert.deepEqual(
    await page
      .getByRole("group", { name: "Aktionen für die Freigabe" })
      .getByRole("button")
      .allTextContents(),
    ["Annehmen …", "Ablehnen", "Löschen"],
  );
  const permission = (await hub.api("GET", `/api/permissions/${permissionId}`)).body;
  assert.equal(await definition(details, "Zeitraum"), periodIn("de-DE", permission));
  assert.deepEqual(await englishLeft(page, "de", DATA), [], "a permission waiting for a decision");

  // In the list, under "Offen".
  await page.getByRole("link", { name: "← Alle Freigaben" }).click();
  await page.getByRole("tab", { name: "Offen" }).click();
  const row = page.locator(`#panel-permissions-pending tr[data-permission-id="${permissionId}"]`);
  await row.waitFor();
  assert.deepEqual(await row.locator("th, td").allTextContents(), [
    `${SERVICE.name}Freigabe ${permissionId.slice(0, 8)}`,
    permission.eddieId.slice(0, 8),
    "Entscheidung offen",
    periodIn("de-DE", permission),
    "noch keine",
  ]);
  assert.deepEqual(await englishLeft(page, "de", DATA), [], "the pending list");

  // Accept: the dialog offers the meter and says, in German plural, what it does not offer.
  await row.getByRole("link", { name: SERVICE.name }).click();
  await page.getByRole("button", { name: "Annehmen …" }).click();
  const accept = page.getByRole("dialog", { name: "Die Freigabe annehmen" });
  await accept.getByRole("radio", { name: SOURCES[0] }).waitFor();
  await accept.getByText("1 Datenquelle mit anderem Messort wird nicht angeboten").waitFor();
  assert.deepEqual(await englishLeft(page, "de", DATA), [], "the accept dialog");
  await accept.getByRole("button", { name: "Annehmen und teilen" }).click();
  await page
    .locator('.title-badges [data-status="STREAMING_DATA"]', { hasText: "Daten werden geteilt" })
    .waitFor({
      timeout: 20_000,
    });

  // Granted: the date in German, in the hub's zone.
  const granted = (await hub.api("GET", `/api/permissions/${permissionId}`)).body;
  assert.equal(await definition(details, "Erteilt"), dateTime("de-DE", granted.grantTime));
  assert.match(await definition(details, "Erteilt"), /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2} /);

  // The data flow: German words, and the outbox's limit grouped the German way (604.800).
  await broker.whenSubscribed(permissionId);
  const flow = page.getByTestId("data-flow");
  await flow.locator('[data-fact="broker"]', { hasText: /^Verbunden$/ }).waitFor();
  assert.equal(await flow.locator('[data-fact="transmission"]').textContent(), "Ein");
  const { outbox } = (await hub.api("GET", `/api/permissions/${permissionId}/data-flow`)).body;
  assert.ok(outbox.maxDataMessages >= 1000, "a limit large enough to need a group separator");
  await flow
    .locator('[data-fact="outbox"]', {
      hasText: `0 Datennachrichten, 0 Statusnachrichten (höchstens ${new Intl.NumberFormat("de-DE").format(outbox.maxDataMessages)} werden aufbewahrt)`,
    })
    .waitFor();

  // A reading leaves the house: the consent record in German.
  const device = await connectDevice(t, hub.mqttUrl, meter);
  await device.publishAsync(
    meter.topic,
    JSON.stringify({
      "dateAndOrTime.dateTime": new Date(Math.floor(Date.now() / 1000) * 1000 - 2000).toISOString(),
      Quantity: [{ quantity: 25.5, type: "0", quality: "AS_PROVIDED" }],
    }),
    { qos: 1 },
  );
  const consent = page.getByTestId("consent-record");
  await consent.locator('tr[data-obis="1-0:1.8.0"]').waitFor({ timeout: 20_000 });
  await flow.locator('details[data-schema="SMART-METER-P1-RAW"]', { hasText: "gesendet vor" }).waitFor();
  assert.deepEqual(await consent.locator("th").allTextContents(), [
    "Messgröße",
    "OBIS-Kennzahl",
    "Schema",
    "Werte",
    "Zuerst gesendet",
    "Zuletzt gesendet",
  ]);
  assert.equal(
    await consent.locator(".meta").textContent(),
    `Erteilt am ${dateTime("de-DE", granted.grantTime)}`,
  );
  await consent.getByRole("link", { name: "CSV herunterladen" }).waitFor();
  assert.deepEqual(await englishLeft(page, "de", DATA), [], "a permission that shares data");
  assertNoConsoleErrors();
});

test("the header's switch changes the language for this and later visits, numbers and dates with it", async (t) => {
  const { hub, code, permissionId } = await hubWithService(t);
  assert.equal((await hub.api("POST", "/api/permissions", { aiidaCode: base64Code(code) })).status, 201);
  const { page, assertNoConsoleErrors } = await openBrowser(t, { locale: "en-US" });
  await logIn(page, hub.httpUrl);
  await page.goto(`${hub.httpUrl}/permissions/${permissionId}`);
  await page
    .locator('.title-badges [data-status="FETCHED_DETAILS"]', { hasText: "FETCHED DETAILS" })
    .waitFor();
  // The check sees English where there is English: the same page before the switch.
  const english = await englishLeft(page, "de", DATA);
  assert.ok(english.includes("permission.need.heading: What the service asks for"), english.join("\n"));

  await switchTo(page, "Language", "de");
  await page.getByRole("heading", { name: "Was der Dienst verlangt" }).waitFor();
  const permission = (await hub.api("GET", `/api/permissions/${permissionId}`)).body;
  const details = page.locator(".permission-details");
  assert.equal(await definition(details, "Zeitraum"), periodIn("de-DE", permission));
  assert.deepEqual(await englishLeft(page, "de", DATA), [], "the permission after the switch");
  await page.getByRole("link", { name: "← Alle Freigaben" }).click();
  await page.getByRole("heading", { name: "Freigaben", level: 1 }).waitFor();
  assert.deepEqual(await englishLeft(page, "de", DATA), [], "the list after the switch");

  // French: its own words, dates and plurals; the choice outlasts a reload.
  await switchTo(page, "Sprache", "fr");
  await page.getByRole("heading", { name: "Autorisations", level: 1 }).waitFor();
  await page.reload();
  await page.getByRole("tab", { name: "En attente" }).click();
  const row = page.locator(`#panel-permissions-pending tr[data-permission-id="${permissionId}"]`);
  assert.equal(await row.locator("td").nth(1).textContent(), "Décision attendue");
  assert.equal(await row.locator("td").nth(2).textContent(), periodIn("fr", permission));
  assert.deepEqual(await englishLeft(page, "fr", DATA), [], "the list in French");
  assertNoConsoleErrors();
});

/** Chooses a language with the header's switch and waits for the page to come back in it. */
async function switchTo(page: Page, label: string, language: string): Promise<void> {
  await Promise.all([
    page.waitForEvent("load"),
    page.getByRole("combobox", { name: label }).selectOption(language),
  ]);
  await page.waitForFunction(`document.documentElement.lang === ${JSON.stringify(language)}`);
}

function periodIn(locale: string, p: { startTime: string; expirationTime: string }): string {
  return `${dateTime(locale, p.startTime)} – ${dateTime(locale, p.expirationTime)}`;
}

/** The text of a <dd> after the <dt> with this label. */
async function definition(list: Locator, label: string): Promise<string> {
  return (await list.locator(`dt:text-is("${label}") + dd`).textContent()) ?? "";
}
