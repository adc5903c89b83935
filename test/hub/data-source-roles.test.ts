import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { CIM_SOURCE, startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice, nextMessage } from "../helpers/mqtt-device.ts";

const ROLE_LIST = "must be one of GRID_METER, PV_INVERTER, BATTERY, HEAT_PUMP, EV_CHARGER, OTHER_CONSUMER";

/** The role each asset gives a data source created without one. */
const DEFAULTS = [
  ["CONNECTION-AGREEMENT-POINT", "GRID_METER"],
  ["CONTROLLABLE-UNIT", "OTHER_CONSUMER"],
  ["DEDICATED-MEASUREMENT-DEVICE", "OTHER_CONSUMER"],
  ["SUBMETER", "OTHER_CONSUMER"],
] as const;

describe("the role of a data source (REST)", () => {
  it("without a role a new data source gets its asset's; a role given is kept", async (t) => {
    const hub = await startTestHub(t);
    for (const [asset, role] of DEFAULTS) {
      const created = await hub.api("POST", "/api/datasources", { ...CIM_SOURCE, asset });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.role, role, asset);
      assert.equal((await hub.api("GET", `/api/datasources/${created.body.id}`)).body.role, role, asset);
    }
    const inverter = await hub.api("POST", "/api/datasources", {
      ...CIM_SOURCE,
      asset: "CONNECTION-AGREEMENT-POINT",
      role: "PV_INVERTER",
    });
    assert.equal(inverter.status, 201);
    assert.equal(inverter.body.role, "PV_INVERTER", "the role given wins over the asset's default");
    const listed = (await hub.api("GET", "/api/datasources")).body as { role: string }[];
    assert.deepEqual(
      listed.map((s) => s.role),
      [...DEFAULTS.map(([, role]) => role), "PV_INVERTER"],
    );
  });

  it("PATCH changes the role; changing the asset leaves the role as it is", async (t) => {
    const hub = await startTestHub(t);
    const source = await hub.createDataSource({ asset: "SUBMETER" });
    const path = `/api/datasources/${source.id}`;
    const battery = await hub.api("PATCH", path, { role: "BATTERY" });
    assert.equal(battery.status, 200);
    assert.equal(battery.body.role, "BATTERY");
    const moved = await hub.api("PATCH", path, { asset: "CONNECTION-AGREEMENT-POINT" });
    assert.equal(moved.body.asset, "CONNECTION-AGREEMENT-POINT");
    assert.equal(moved.body.role, "BATTERY", "a role once set is the user's, not the asset's");
    assert.equal((await hub.api("GET", path)).body.role, "BATTERY");
  });

  it("an unknown role is a 400 that lists the valid ones, and changes nothing", async (t) => {
    const hub = await startTestHub(t);
    for (const role of ["SOLAR", "grid_meter", "", 3, null]) {
      const refused = await hub.api("POST", "/api/datasources", { ...CIM_SOURCE, role });
      assert.equal(refused.status, 400, JSON.stringify(role));
      assert.equal(refused.body.error.code, "VALIDATION_FAILED");
      assert.deepEqual(
        refused.body.error.details,
        [{ path: "role", reason: ROLE_LIST }],
        JSON.stringify(role),
      );
    }
    assert.deepEqual((await hub.api("GET", "/api/datasources")).body, [], "nothing was created");

    const source = await hub.createDataSource();
    const path = `/api/datasources/${source.id}`;
    const before = (await hub.api("GET", path)).body;
    const refused = await hub.api("PATCH", path, { role: "WIND_TURBINE", name: "Changed" });
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.error.details, [{ path: "role", reason: ROLE_LIST }]);
    assert.deepEqual((await hub.api("GET", path)).body, before, "not even the valid field changed");
  });

  it("the catalogue gives each role's plain quantity names by OBIS code, and the asset defaults", async (t) => {
    const hub = await startTestHub(t);
    const catalogue = (await hub.api("GET", "/api/catalogue")).body;
    assert.deepEqual(
      catalogue.roles.map((r: { role: string }) => r.role),
      ["GRID_METER", "PV_INVERTER", "BATTERY", "HEAT_PUMP", "EV_CHARGER", "OTHER_CONSUMER"],
    );
    assert.deepEqual(catalogue.assetDefaultRoles, Object.fromEntries(DEFAULTS));
    const names = (role: string) =>
      catalogue.roles.find((r: { role: string }) => r.role === role).quantityNames;
    assert.deepEqual(names("GRID_METER")["1-0:1.7.0"], {
      flow: "gridImport",
      total: false,
      phase: null,
      text: "Grid import",
    });
    assert.deepEqual(names("GRID_METER")["1-0:22.8.0"], {
      flow: "feedIn",
      total: true,
      phase: "L1",
      text: "Feed-in in phase L1 (total)",
    });
    assert.equal(names("PV_INVERTER")["1-0:2.7.0"].text, "Solar production");
    assert.equal(names("PV_INVERTER")["1-0:1.7.0"], undefined, "no plain name: the UI shows the OBIS name");
    assert.equal(names("GRID_METER")["1-0:32.7.0"], undefined, "voltages keep their names");
  });

  it("the device's feedback names kept values for the role, and follows a change of role at once", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const kept = await keptTexts(t, hub.mqttUrl, creds);
    // An unknown field makes the hub report on the message, listing what it kept.
    const message = { colour: "red", Quantity: [{ quantity: 1.25, type: "3" }] };
    assert.deepEqual(await kept(message), ["Feed-in 1.25 kW"]);
    await hub.api("PATCH", `/api/datasources/${creds.id}`, { role: "PV_INVERTER" });
    assert.deepEqual(await kept(message), ["Solar production 1.25 kW"]);
    await hub.api("PATCH", `/api/datasources/${creds.id}`, { role: "HEAT_PUMP" });
    assert.deepEqual(await kept(message), ["Instantaneous active power generation 1.25 kW"]);
  });
});

/** Connects the device and returns a function that publishes a message and resolves with its report's kept texts. */
async function keptTexts(
  t: TestContext,
  mqttUrl: string,
  creds: { id: string; password: string; topic: string },
) {
  const device = await connectDevice(t, mqttUrl, creds);
  const feedback = `aiida/${creds.id}/feedback`;
  await device.subscribeAsync(feedback, { qos: 1 });
  return async (message: unknown): Promise<string[]> => {
    const report = nextMessage(device, feedback);
    await device.publishAsync(creds.topic, JSON.stringify(message), { qos: 1 });
    return JSON.parse(String(await report)).kept.values.map((v: { text: string }) => v.text);
  };
}
