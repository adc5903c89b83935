import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";

/** One CIM message at `iso` with `[type, value]` quantities. */
function message(iso: string, quantities: ReadonlyArray<readonly [string, number]>): string {
  return JSON.stringify({
    "dateAndOrTime.dateTime": iso,
    Quantity: quantities.map(([type, quantity]) => ({ quantity, type })),
  });
}

describe("GET /api/datasources/{id}/records.csv", () => {
  it("gives the records published over MQTT as CSV a spreadsheet can trust: local times across the DST change, UTC, plain headings, no float noise", async (t) => {
    const hub = await startTestHub(t, { config: { timeZone: "Europe/Vienna" } });
    const creds = await hub.createDataSource({ name: "Küche / Main meter" });
    const device = await connectDevice(t, hub.mqttUrl, creds);
    const publish = (iso: string, quantities: ReadonlyArray<readonly [string, number]>) =>
      device.publishAsync(creds.topic, message(iso, quantities), { qos: 1 });
    // CIM types: 0 = 1-0:1.8.0 (kWh), 2 = 1-0:1.7.0 (kW), 4 = 1-0:32.7.0 (V, L1), 10 = 1-0:13.7.0 (power factor).
    await publish("2026-03-28T22:59:59Z", [["2", 9]]); // 23:59:59 local on the 28th: before the day
    await publish("2026-03-28T23:00:00Z", [
      ["0", 18234.567],
      ["2", 0.1 + 0.2],
    ]);
    await publish("2026-03-29T00:59:57Z", [
      ["2", 1.1 - 1],
      ["4", 235.85000000000002],
    ]);
    await publish("2026-03-29T01:00:00Z", [["2", 1.5]]);
    await publish("2026-03-29T01:00:03.250Z", [
      ["4", 230],
      ["10", 0.98],
    ]);
    await publish("2026-03-29T21:59:59Z", [["0", 18240.1]]);
    await publish("2026-03-29T22:00:00Z", [["2", 7]]); // midnight local on the 30th: after the day

    const expected = [
      "Local time (Europe/Vienna),UTC time,Grid import (total) (kWh) [1-0:1.8.0],Grid import (kW) [1-0:1.7.0],Instantaneous power factor [1-0:13.7.0],Instantaneous voltage in phase L1 (V) [1-0:32.7.0]",
      "2026-03-29T00:00:00+01:00,2026-03-28T23:00:00Z,18234.567,0.3,,",
      "2026-03-29T01:59:57+01:00,2026-03-29T00:59:57Z,,0.1,,235.85",
      "2026-03-29T03:00:00+02:00,2026-03-29T01:00:00Z,,1.5,,",
      "2026-03-29T03:00:03.250+02:00,2026-03-29T01:00:03.250Z,,,0.98,230",
      "2026-03-29T23:59:59+02:00,2026-03-29T21:59:59Z,18240.1,,,",
      "",
    ].join("\r\n");
    const url = `${hub.httpUrl}/api/datasources/${creds.id}/records.csv?from=2026-03-29&to=2026-03-30`;
    const get = () => fetch(url, { headers: { authorization: `Bearer ${hub.token}` } });
    const res = await get();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/csv; charset=utf-8");
    assert.equal(
      res.headers.get("content-disposition"),
      'attachment; filename="aiida-kuche-main-meter-2026-03-29_2026-03-29.csv"',
    );
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(await res.text(), expected);

    // The same from the hourly rollups, and a late value of a new quantity in a rolled-up hour adds its column.
    await hub.hub.internals.rollUp();
    assert.equal(await (await get()).text(), expected);
    await publish("2026-03-29T05:00:00Z", [["3", 0.25]]);
    const late = (await (await get()).text()).split("\r\n");
    assert.match(late[0] ?? "", /,Feed-in \(kW\) \[1-0:2\.7\.0\],/);
    assert.ok(late.includes("2026-03-29T07:00:00+02:00,2026-03-29T05:00:00Z,,,0.25,,"), late.join("\n"));

    // Instants with offsets name the range to the minute, in local time.
    const instants = await fetch(
      `${hub.httpUrl}/api/datasources/${creds.id}/records.csv?from=2026-03-29T00:59:57Z&to=${encodeURIComponent("2026-03-29T03:00:03.250+02:00")}`,
      { headers: { authorization: `Bearer ${hub.token}` } },
    );
    assert.equal(
      instants.headers.get("content-disposition"),
      'attachment; filename="aiida-kuche-main-meter-2026-03-29T0159_2026-03-29T0300.csv"',
    );
    assert.deepEqual(
      (await instants.text())
        .trimEnd()
        .split("\r\n")
        .map((row) => row.split(",")[1]),
      ["UTC time", "2026-03-29T00:59:57Z", "2026-03-29T01:00:00Z"],
      "from is inclusive, to exclusive",
    );
  });

  it("answers a bad range, an unknown source and a missing session with precise JSON errors, before any CSV", async (t) => {
    const hub = await startTestHub(t, { config: { timeZone: "Europe/Vienna" } });
    const creds = await hub.createDataSource();
    const csv = (query: string) => hub.api("GET", `/api/datasources/${creds.id}/records.csv${query}`);

    const unreadable = await csv("?from=2026-02-30&to=yesterday");
    assert.equal(unreadable.status, 400);
    assert.equal(unreadable.headers.get("content-type"), "application/json; charset=utf-8");
    assert.deepEqual(unreadable.body.error.code, "VALIDATION_FAILED");
    assert.deepEqual(
      unreadable.body.error.details.map((d: { path: string }) => d.path),
      ["from", "to"],
    );
    assert.match(
      unreadable.body.error.details[0].reason,
      /^must be a date such as 2026-03-01 \(its midnight in Europe\/Vienna\)/,
    );

    const backwards = await csv("?from=2026-03-02&to=2026-03-01");
    assert.equal(backwards.status, 400);
    assert.equal(
      backwards.body.error.message,
      "The export range is not valid: to must be after from (2026-03-01T23:00:00.000Z).",
    );
    const tooLong = await csv("?from=2025-01-01&to=2026-01-03");
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.body.error.message, /more than 366 days after from/);
    const unknownField = await csv("?from=2026-03-01&obis=1-0:1.7.0");
    assert.equal(unknownField.status, 400);
    assert.deepEqual(unknownField.body.error.details, [{ path: "$", reason: "unknown field(s): obis" }]);

    const unknown = await hub.api("GET", "/api/datasources/00000000-0000-4000-8000-000000000000/records.csv");
    assert.equal(unknown.status, 404);
    const notUuid = await hub.api("GET", "/api/datasources/nope/records.csv");
    assert.equal(notUuid.status, 404, "an id that cannot exist is not found, as elsewhere");
    const anonymous = await hub.api("GET", `/api/datasources/${creds.id}/records.csv`, undefined, null);
    assert.equal(anonymous.status, 401);
  });

  it("exports a source without records as a header row, over the last day by default", async (t) => {
    const hub = await startTestHub(t, { config: { timeZone: "UTC" } });
    const creds = await hub.createDataSource({ name: "Empty" });
    const res = await fetch(`${hub.httpUrl}/api/datasources/${creds.id}/records.csv`, {
      headers: { authorization: `Bearer ${hub.token}` },
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "Local time (UTC),UTC time\r\n");
    assert.match(
      res.headers.get("content-disposition") ?? "",
      /^attachment; filename="aiida-empty-\d{4}-\d\d-\d\dT\d{4}_\d{4}-\d\d-\d\dT\d{4}\.csv"$/,
    );
  });
});
