import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { gridMeterReadings, local, publishAll, QUARTER, VIENNA } from "../helpers/energy-readings.ts";
import { startTestHub, type TestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";

async function energy(hub: TestHub, id: string, query: string) {
  return hub.api("GET", `/api/datasources/${id}/energy?${query}`);
}

/** The import and export kWh and the method per interval, the figures a bar chart shows. */
function bars(body: any) {
  return body.intervals.map((i: any) => ({
    start: i.start,
    end: i.end,
    import: i.import && [i.import.kWh, i.import.method, i.import.completeness, i.import.resets],
    export: i.export && [i.export.kWh, i.export.method, i.export.completeness, i.export.resets],
  }));
}

async function gridMeterHub(t: TestContext) {
  const hub = await startTestHub(t, { config: { timeZone: VIENNA } });
  const creds = await hub.createDataSource({ name: "Grid meter" });
  const device = await connectDevice(t, hub.mqttUrl, creds);
  await publishAll(device, creds, gridMeterReadings());
  return { hub, id: creds.id };
}

describe("energy per period over REST, from totals published over MQTT", () => {
  it("gives each local day's kWh in the hub's time zone, the same before and after the hourly rollup", async (t) => {
    const { hub, id } = await gridMeterHub(t);
    const expected = [
      {
        start: "2026-03-28T00:00:00+01:00",
        end: "2026-03-29T00:00:00+01:00",
        import: [24, "register", 1, 0],
        export: [4, "register", 1, 0],
      },
      {
        start: "2026-03-29T00:00:00+01:00",
        end: "2026-03-30T00:00:00+02:00",
        import: [46, "register", 1, 0],
        export: [4, "register", 1, 0],
      },
      {
        start: "2026-03-30T00:00:00+02:00",
        end: "2026-03-31T00:00:00+02:00",
        import: [12, "register", 1, 0],
        export: [4, "register", 1, 0],
      },
    ];
    const raw = await energy(hub, id, "from=2026-03-28&to=2026-03-31&interval=day");
    assert.equal(raw.status, 200, JSON.stringify(raw.body));
    assert.deepEqual(bars(raw.body), expected);
    assert.equal(raw.body.timeZone, VIENNA);
    assert.equal(raw.body.maxGapSeconds, 900);
    assert.deepEqual(raw.body.quantities, [
      { obis: "1-0:1.8.0", name: "POSITIVE_ACTIVE_ENERGY", direction: "import", method: "register" },
      { obis: "1-0:2.8.0", name: "NEGATIVE_ACTIVE_ENERGY", direction: "export", method: "register" },
    ]);
    assert.deepEqual(raw.body.intervals[1].quantities, {
      "1-0:1.8.0": { kWh: 46, completeness: 1, resets: 0 },
      "1-0:2.8.0": { kWh: 4, completeness: 1, resets: 0 },
    });

    await hub.hub.internals.rollUp();
    const rolled = await energy(hub, id, "from=2026-03-28&to=2026-03-31&interval=day&tz=Europe/Vienna");
    assert.deepEqual(rolled.body, raw.body);
  });

  it("follows local hours across the spring-forward night, weeks from Monday and months", async (t) => {
    const { hub, id } = await gridMeterHub(t);
    await hub.hub.internals.rollUp();
    const night = await energy(hub, id, "from=2026-03-29T00:00&to=2026-03-29T04:00&interval=hour");
    assert.deepEqual(
      bars(night.body).map((b: any) => [b.start, b.import[0]]),
      [
        ["2026-03-29T00:00:00+01:00", 2],
        ["2026-03-29T01:00:00+01:00", 2],
        ["2026-03-29T03:00:00+02:00", 2],
      ],
      "02:00 does not exist that night",
    );
    const weeks = await energy(hub, id, "from=2026-03-28&to=2026-03-31&interval=week");
    assert.deepEqual(
      bars(weeks.body).map((b: any) => [b.start, b.end, b.import[0]]),
      [
        // The first reading (27 March 23:45) has nothing before it: the week counts from it.
        ["2026-03-23T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 24 + 46],
        ["2026-03-30T00:00:00+02:00", "2026-04-06T00:00:00+02:00", 12 + 0.125],
      ],
    );
    const month = await energy(hub, id, "from=2026-03-01&to=2026-04-01&interval=month");
    const march = month.body.intervals[0];
    assert.deepEqual(
      [march.start, march.end, march.import.kWh],
      ["2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00", 82.125],
    );
    // Covered: 27 March 23:45 to 31 March 00:00, 71.25 of March's 743 hours.
    assert.equal(march.import.completeness, Math.round((71.25 / 743) * 1e4) / 1e4);
  });

  it("integrates power for a source that reports only power", async (t) => {
    const hub = await startTestHub(t, { config: { timeZone: VIENNA } });
    const creds = await hub.createDataSource({ name: "Heat pump" });
    const device = await connectDevice(t, hub.mqttUrl, creds);
    const readings = [];
    for (let ts = local("2026-03-29T00:00"); ts <= local("2026-03-30T00:00"); ts += QUARTER) {
      // 2 kW, except 3 kW from 12:00 to 13:00 (the ramps at either end are part of the trapezoids).
      const kW = ts >= local("2026-03-29T12:00") && ts <= local("2026-03-29T13:00") ? 3 : 2;
      readings.push({ ts, quantities: [["2", kW]] as [string, number][] }); // 1-0:1.7.0
    }
    await publishAll(device, creds, readings);
    const res = await energy(hub, creds.id, "from=2026-03-29&to=2026-03-30");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // 23 hours at 2 kW, plus 1 kW more for the hour and half of each 15-minute ramp.
    assert.deepEqual(bars(res.body), [
      {
        start: "2026-03-29T00:00:00+01:00",
        end: "2026-03-30T00:00:00+02:00",
        import: [23 * 2 + 1 + 0.125 + 0.125, "power", 1, 0],
        export: null,
      },
    ]);
  });

  it("refuses bad parameters with a 400 that names each one, and an unknown data source with a 404", async (t) => {
    const hub = await startTestHub(t, { config: { timeZone: VIENNA } });
    const creds = await hub.createDataSource();
    const cases: ReadonlyArray<[query: string, path: string, reason: RegExp]> = [
      ["from=2026-03-28&to=2026-03-31&tz=Mars/Olympus_Mons", "tz", /IANA time zone.*"Mars\/Olympus_Mons"/],
      ["from=2026-03-31&to=2026-03-28", "from", /must be before to \(from is 2026-03-31T00:00:00\+02:00/],
      ["from=2026-03-28&to=2026-03-28", "from", /must be before to/],
      [
        "from=2025-01-01&to=2027-01-01&interval=hour",
        "interval",
        /more than 10,000 hours from 2025-01-01T00:00:00\+01:00 to 2027-01-01T00:00:00\+01:00/,
      ],
      ["from=yesterday&to=2026-03-28", "from", /must be a date \(YYYY-MM-DD: local midnight\).*"yesterday"/],
      ["from=2026-02-30&to=2026-03-28", "from", /"2026-02-30"/],
      ["from=2026-03-28&to=2026-03-29&interval=minute", "interval", /hour|day|week|month/],
      ["to=2026-03-29", "from", /./],
      ["from=2026-03-28&to=2026-03-29&bucket=1h", "$", /unknown field\(s\): bucket/],
    ];
    for (const [query, path, reason] of cases) {
      const res = await energy(hub, creds.id, query);
      assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "VALIDATION_FAILED");
      const detail = res.body.error.details.find((d: { path: string }) => d.path === path);
      assert.ok(detail, `${query}: no detail for ${path} in ${JSON.stringify(res.body.error.details)}`);
      assert.match(detail.reason, reason, query);
    }
    const unknown = await energy(
      hub,
      "0f8fad5b-d9cb-469f-a165-70867728950e",
      "from=2026-03-28&to=2026-03-29",
    );
    assert.equal(unknown.status, 404);
    const empty = await energy(hub, creds.id, "from=2026-03-28&to=2026-03-30");
    assert.equal(empty.status, 200);
    assert.deepEqual(
      empty.body.intervals.map((i: any) => [i.import, i.export, i.quantities]),
      [
        [null, null, {}],
        [null, null, {}],
      ],
      "no readings: intervals without energy",
    );
  });
});
