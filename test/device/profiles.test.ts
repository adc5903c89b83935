import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it, type TestContext } from "node:test";
import { parseMapOption, parseSetOptions } from "../../src/device/map-option.ts";
import type { MeterReading } from "../../src/device/meter-reading.ts";
import { ModbusConnection } from "../../src/device/modbus-connection.ts";
import { readModbusProfile } from "../../src/device/modbus-source.ts";
import { builtInProfileNames, loadProfile, parseProfile } from "../../src/device/profile-catalogue.ts";
import type { DeviceProfile } from "../../src/device/profile-schema.ts";
import { createRestSource } from "../../src/device/rest-source.ts";
import { registerMapFixture, startJsonMeter, startModbusServer } from "./helpers/fake-meters.ts";

/** What each profile's recorded fixture holds (test/fixtures/device/profiles/<profile>.json). */
interface ProfileFixture {
  readonly description: string;
  readonly expected: ReadonlyArray<{ readonly type: number; readonly quantity: number }>;
  /** rest: the meter's JSON answer, the path it answers at (default: the profile's), and --map/--set. */
  readonly answer?: unknown;
  readonly requestPath?: string;
  readonly map?: readonly string[];
  readonly set?: readonly string[];
  /** modbus: the register map file the server answers from. */
  readonly registerMap?: string;
}

function profileFixture(name: string): ProfileFixture | undefined {
  const url = new URL(`../fixtures/device/profiles/${name}.json`, import.meta.url);
  return existsSync(url) ? (JSON.parse(readFileSync(url, "utf8")) as ProfileFixture) : undefined;
}

async function firstReading(source: ReturnType<typeof createRestSource>): Promise<MeterReading> {
  const controller = new AbortController();
  try {
    for await (const event of source.events(controller.signal)) {
      if (event.kind === "read-failed") throw new Error(event.message);
      return event.reading;
    }
    throw new Error("the source ended without a reading");
  } finally {
    controller.abort();
    await source.close();
  }
}

/** Reads the profile's fixture through a real server of the profile's kind. */
async function readThroughRealServer(t: TestContext, profile: DeviceProfile, fixture: ProfileFixture) {
  if (profile.source === "rest") {
    const path = fixture.requestPath ?? profile.path;
    const meter = await startJsonMeter(t, { [path]: () => fixture.answer });
    const source = createRestSource({
      url: fixture.requestPath === undefined ? meter.baseUrl : `${meter.baseUrl}${fixture.requestPath}`,
      profile,
      extraFields: (fixture.map ?? []).map(parseMapOption),
      variables: parseSetOptions(fixture.set ?? []),
      intervalMs: 1000,
      timeoutMs: 2000,
    });
    return firstReading(source);
  }
  const map = registerMapFixture(fixture.registerMap ?? "");
  const server = await startModbusServer(t, map);
  const connection = new ModbusConnection("127.0.0.1", server.port, {
    connectDelayMs: 0,
    requestSpacingMs: 0,
    timeoutMs: 2000,
    retries: 0,
  });
  t.after(() => connection.close());
  return readModbusProfile(connection, map.unitId, profile);
}

describe("device profiles", () => {
  it("ships the AMIS reader, Tasmota SML, generic REST and Huawei SUN2000 profiles", () => {
    assert.deepEqual(builtInProfileNames(), ["amis-reader", "generic-rest", "huawei-sun2000", "tasmota-sml"]);
  });

  for (const name of builtInProfileNames()) {
    it(`${name}: maps its recorded fixture to the expected CIM quantities through a real server`, async (t) => {
      const profile = loadProfile(name);
      const fixture = profileFixture(name);
      assert.ok(fixture, `every profile needs test/fixtures/device/profiles/${name}.json`);
      const reading = await readThroughRealServer(t, profile, fixture);
      assert.deepEqual(
        reading.quantities.map((q) => ({ type: q.type, quantity: q.quantity })),
        fixture.expected,
        fixture.description,
      );
      assert.ok(
        Math.abs(reading.timestamp - Date.now()) < 10_000,
        "the reading carries the time it was taken",
      );
    });
  }

  const negativeHandlings = [
    { given: { absolute: true, positiveOnly: true }, named: "absolute and positiveOnly" },
    { given: { absolute: true, obisWhenNegative: "1-0:2.7.0" }, named: "absolute and obisWhenNegative" },
    {
      given: { positiveOnly: true, obisWhenNegative: "1-0:2.7.0" },
      named: "positiveOnly and obisWhenNegative",
    },
    {
      given: { absolute: true, positiveOnly: true, obisWhenNegative: "1-0:2.7.0" },
      named: "absolute, positiveOnly and obisWhenNegative",
    },
  ];
  for (const { given, named } of negativeHandlings) {
    it(`refuses a field with ${named}: at most one decides what a negative value becomes`, () => {
      const profile = {
        name: "both",
        description: "x",
        source: "rest",
        path: "/",
        fields: [
          { pointer: "/a", obis: "1-0:1.7.0" },
          { pointer: "/b", obis: "1-0:21.7.0", ...given },
        ],
      };
      assert.throws(
        () => parseProfile(profile, "both.json"),
        (error: Error) =>
          error.message ===
          "profile both.json is invalid:\n" +
            `✖ ${named} each decide what a negative value becomes: use at most one of absolute ` +
            "(its magnitude), positiveOnly (0) and obisWhenNegative (its magnitude, sent as that quantity)\n" +
            "  → at fields[1]",
      );
    });
  }

  it("refuses a profile with an unknown OBIS target, naming the field", () => {
    assert.throws(
      () =>
        parseProfile(
          {
            name: "bad",
            description: "x",
            source: "rest",
            path: "/",
            fields: [{ pointer: "/a", obis: "1-0:9.7.0" }],
          },
          "bad.json",
        ),
      /profile bad\.json is invalid:[\s\S]*1-0:9\.7\.0 is not an OBIS code a CIM TimeSeries can carry[\s\S]*at fields\[0\]\.obis/,
    );
  });

  it("refuses a profile that maps two fields to the same quantity", () => {
    assert.throws(
      () =>
        parseProfile(
          {
            name: "twice",
            description: "x",
            source: "rest",
            path: "/",
            fields: [
              { pointer: "/a", obis: "1-0:1.7.0", obisWhenNegative: "1-0:2.7.0" },
              { pointer: "/b", obis: "1-0:2.7.0" },
            ],
          },
          "twice.json",
        ),
      /1-0:2\.7\.0 is already the target of fields\[0\]/,
    );
  });

  it("refuses unknown properties, so a typo in a profile file is not silently ignored", () => {
    assert.throws(
      () =>
        parseProfile(
          {
            name: "typo",
            description: "x",
            source: "rest",
            path: "/",
            fields: [{ pointer: "/a", obis: "1-0:1.7.0", scal: 2 }],
          },
          "typo.json",
        ),
      /scal/,
    );
  });

  it("names the built-in profiles when asked for an unknown one", () => {
    assert.throws(
      () => loadProfile("fronius"),
      /unknown profile "fronius"; built-in profiles: amis-reader, generic-rest/,
    );
  });
});
