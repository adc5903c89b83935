import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CIM_SOURCE, startTestHub } from "../helpers/hub-harness.ts";

const AUSTRIAN_ID = "AT0031000000000000000000198159000";

describe("meter ids, operator ids and plausible ranges of a data source (REST)", () => {
  it("ids are stored in upper case without the gaps of a bill, and cleared with an empty string", async (t) => {
    const hub = await startTestHub(t);
    const created = await hub.api("POST", "/api/datasources", {
      ...CIM_SOURCE,
      meterId: "at003 10000 00000 00000 00001 98159 000",
      operatorId: "10xat-apg------z",
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.meterId, AUSTRIAN_ID);
    assert.equal(created.body.operatorId, "10XAT-APG------Z");
    assert.equal(created.body.plausibility, null);
    const cleared = await hub.api("PATCH", `/api/datasources/${created.body.id}`, { meterId: "" });
    assert.equal(cleared.body.meterId, null);
    assert.equal(cleared.body.operatorId, "10XAT-APG------Z", "a field not sent stays");
  });

  it("a bad meter id or operator id is a field error that says what is allowed, and changes nothing", async (t) => {
    const hub = await startTestHub(t);
    const refused = await hub.api("POST", "/api/datasources", {
      ...CIM_SOURCE,
      meterId: "Zähler #1",
      operatorId: "AT003000",
    });
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.error.details, [
      {
        path: "meterId",
        reason:
          "use only letters, digits and - _ . (an Austrian metering point id, for example, is 33 characters: AT and 31 digits or letters)",
      },
    ]);
    assert.deepEqual((await hub.api("GET", "/api/datasources")).body, [], "nothing was created");

    const source = await hub.createDataSource({ meterId: AUSTRIAN_ID });
    const short = await hub.api("PATCH", `/api/datasources/${source.id}`, {
      meterId: AUSTRIAN_ID.slice(0, 32),
      operatorId: "x".repeat(65),
    });
    assert.equal(short.status, 400);
    assert.deepEqual(short.body.error.details, [
      {
        path: "meterId",
        reason:
          "an Austrian metering point id (AT00…) has 33 characters: AT and 31 digits or letters; this one has 32",
      },
      { path: "operatorId", reason: "must be at most 64 characters, got 65" },
    ]);
    assert.equal((await hub.api("GET", `/api/datasources/${source.id}`)).body.meterId, AUSTRIAN_ID);
  });

  it("plausible ranges are keyed by OBIS code, type code or name, kept as OBIS codes, and cleared with null", async (t) => {
    const hub = await startTestHub(t);
    const source = await hub.createDataSource({
      plausibility: { "2": { max: 2000 }, "1-0:14.7.0": { min: 49, max: 51 } },
    });
    const path = `/api/datasources/${source.id}`;
    assert.deepEqual((await hub.api("GET", path)).body.plausibility, {
      "1-0:1.7.0": { max: 2000 },
      "1-0:14.7.0": { min: 49, max: 51 },
    });
    const renamed = await hub.api("PATCH", path, {
      plausibility: { INSTANTANEOUS_VOLTAGE_V_IN_PHASE_L1: { min: 100 } },
    });
    assert.deepEqual(renamed.body.plausibility, { "1-0:32.7.0": { min: 100 } });
    assert.equal((await hub.api("PATCH", path, { plausibility: null })).body.plausibility, null);
  });

  it("bad plausible ranges are field errors, each at its key", async (t) => {
    const hub = await startTestHub(t);
    const source = await hub.createDataSource({ plausibility: { "1-0:1.7.0": { max: 50 } } });
    const path = `/api/datasources/${source.id}`;
    const bad = await hub.api("PATCH", path, {
      plausibility: {
        "1-0:99.9.9": { max: 1 },
        "2": { max: 10 },
        "1-0:1.7.0": { max: 20 },
        "1-0:2.7.0": { min: 5, max: 1 },
        "1-0:1.8.0": {},
        "1-0:14.7.0": { max: "60" },
        "0-0:96.1.0": { max: 1 },
      },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details, [
      { path: "plausibility.1-0:2.7.0", reason: "min must not be above max" },
      { path: "plausibility.1-0:1.8.0", reason: "give min, max or both" },
      { path: "plausibility.1-0:14.7.0.max", reason: "Invalid input: expected number, received string" },
    ]);
    const unknown = await hub.api("PATCH", path, {
      plausibility: {
        "1-0:99.9.9": { max: 1 },
        "2": { max: 10 },
        "1-0:1.7.0": { max: 20 },
        "0-0:96.1.0": { max: 1 },
      },
    });
    assert.equal(unknown.status, 400);
    const measured =
      'must name a measured quantity: an OBIS code such as "1-0:1.7.0", a CIM quantity type such as "2" or its name';
    assert.deepEqual(unknown.body.error.details, [
      { path: "plausibility.1-0:99.9.9", reason: measured },
      { path: "plausibility.1-0:1.7.0", reason: "names 1-0:1.7.0 a second time" },
      { path: "plausibility.0-0:96.1.0", reason: measured },
    ]);
    assert.deepEqual(
      (await hub.api("GET", path)).body.plausibility,
      { "1-0:1.7.0": { max: 50 } },
      "unchanged",
    );
  });
});
