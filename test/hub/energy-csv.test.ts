import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gridMeterReadings, publishAll, VIENNA } from "../helpers/energy-readings.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";

const HEADER =
  "Local start (Europe/Vienna),Local end (Europe/Vienna),UTC start,Grid import (kWh),Feed-in (kWh)," +
  "Grid import method,Grid import completeness (%),Grid import resets," +
  "Feed-in method,Feed-in completeness (%),Feed-in resets";

describe("GET /api/datasources/{id}/energy.csv", () => {
  it("gives kWh per local day and hour across the spring-forward day as CSV: offsets, UTC, plain headings, percentages", async (t) => {
    const hub = await startTestHub(t, { config: { timeZone: VIENNA } });
    const creds = await hub.createDataSource({ name: "Grid meter" });
    const device = await connectDevice(t, hub.mqttUrl, creds);
    await publishAll(device, creds, gridMeterReadings());
    const get = (query: string) =>
      fetch(`${hub.httpUrl}/api/datasources/${creds.id}/energy.csv?${query}`, {
        headers: { authorization: `Bearer ${hub.token}` },
      });

    // Readings run from 27 March 23:45 (the 27th covers its last quarter hour) to 31 March 00:00 (that
    // reading closes the quarter before it, but nothing follows it on the 31st); none on 1 April.
    const days = [
      HEADER,
      "2026-03-27T00:00:00+01:00,2026-03-28T00:00:00+01:00,2026-03-26T23:00:00Z,0,0,register,1.04,0,register,1.04,0",
      "2026-03-28T00:00:00+01:00,2026-03-29T00:00:00+01:00,2026-03-27T23:00:00Z,24,4,register,100,0,register,100,0",
      "2026-03-29T00:00:00+01:00,2026-03-30T00:00:00+02:00,2026-03-28T23:00:00Z,46,4,register,100,0,register,100,0",
      "2026-03-30T00:00:00+02:00,2026-03-31T00:00:00+02:00,2026-03-29T22:00:00Z,12,4,register,100,0,register,100,0",
      "2026-03-31T00:00:00+02:00,2026-04-01T00:00:00+02:00,2026-03-30T22:00:00Z,0.125,0,register,0,0,register,0,0",
      "2026-04-01T00:00:00+02:00,2026-04-02T00:00:00+02:00,2026-03-31T22:00:00Z,,,,,,,,",
      "",
    ].join("\r\n");
    const res = await get("from=2026-03-27&to=2026-04-02&interval=day");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/csv; charset=utf-8");
    assert.equal(
      res.headers.get("content-disposition"),
      'attachment; filename="aiida-grid-meter-energy-day-2026-03-27_2026-04-01.csv"',
    );
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(await res.text(), days);

    // The hourly rollups give the same text; interval defaults to day, tz to the hub's zone.
    await hub.hub.internals.rollUp();
    assert.equal(await (await get("from=2026-03-27&to=2026-04-02&tz=Europe/Vienna")).text(), days);

    const night = await get("from=2026-03-29T00:00&to=2026-03-29T04:00&interval=hour");
    assert.equal(
      night.headers.get("content-disposition"),
      'attachment; filename="aiida-grid-meter-energy-hour-2026-03-29T0000_2026-03-29T0400.csv"',
    );
    assert.equal(
      await night.text(),
      [
        HEADER,
        "2026-03-29T00:00:00+01:00,2026-03-29T01:00:00+01:00,2026-03-28T23:00:00Z,2,0,register,100,0,register,100,0",
        "2026-03-29T01:00:00+01:00,2026-03-29T03:00:00+02:00,2026-03-29T00:00:00Z,2,0,register,100,0,register,100,0",
        "2026-03-29T03:00:00+02:00,2026-03-29T04:00:00+02:00,2026-03-29T01:00:00Z,2,0,register,100,0,register,100,0",
        "",
      ].join("\r\n"),
      "02:00 does not exist that night",
    );
  });

  it("answers bad parameters, an unknown source and a missing session as JSON errors, not as a CSV attachment", async (t) => {
    const hub = await startTestHub(t, { config: { timeZone: VIENNA } });
    const creds = await hub.createDataSource({ name: "Grid meter" });
    const csv = (query: string) => hub.api("GET", `/api/datasources/${creds.id}/energy.csv?${query}`);

    const bad = await csv("from=2026-03-31&to=2026-03-28&tz=Mars/Olympus_Mons");
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(bad.headers.get("content-disposition"), null);
    assert.equal(bad.body.error.code, "VALIDATION_FAILED");
    assert.deepEqual(bad.body.error.details, [
      {
        path: "tz",
        reason: 'must be an IANA time zone such as Europe/Vienna or UTC, got "Mars/Olympus_Mons"',
      },
    ]);
    const backwards = await csv("from=2026-03-31&to=2026-03-28");
    assert.equal(backwards.status, 400);
    assert.equal(
      backwards.body.error.message,
      "The energy query is not valid: from must be before to (from is 2026-03-31T00:00:00+02:00, to is 2026-03-28T00:00:00+01:00).",
    );
    const unknownField = await csv("from=2026-03-28&to=2026-03-29&format=xlsx");
    assert.equal(unknownField.status, 400);
    assert.deepEqual(unknownField.body.error.details, [{ path: "$", reason: "unknown field(s): format" }]);

    const unknown = await hub.api(
      "GET",
      "/api/datasources/0f8fad5b-d9cb-469f-a165-70867728950e/energy.csv?from=2026-03-28&to=2026-03-29",
    );
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get("content-type"), "application/json; charset=utf-8");
    const anonymous = await hub.api(
      "GET",
      `/api/datasources/${creds.id}/energy.csv?from=2026-03-28&to=2026-03-29`,
      undefined,
      null,
    );
    assert.equal(anonymous.status, 401);
  });
});
