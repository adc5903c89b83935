import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ProblemDetail } from "../../src/domain/hub-error.ts";
import {
  type DetailsExpectation,
  type PermissionDetailsOutcome,
  readPermissionDetails,
} from "../../src/sharing/permission-details.ts";
import { fixture } from "../helpers/fixtures.ts";

type Json = Record<string, any>;

const PERMISSION_ID = "70744400-a059-4fc8-ab36-d68b2bb877e1";
const DURING = Date.parse("2026-02-15T12:00:00Z");
const EXPECTED: DetailsExpectation = { permissionId: PERMISSION_ID, now: DURING };

function response(): Json {
  return fixture("sharing/permission-details.response.json");
}

function withNeed(changes: Json): Json {
  const body = response();
  body.data_need = { ...body.data_need, ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete body.data_need[key];
  return body;
}

function withRequest(changes: Json): Json {
  const body = response();
  body.permission_request = { ...body.permission_request, ...changes };
  return body;
}

function fulfillable(body: unknown, expected = EXPECTED) {
  const result = readPermissionDetails(body, expected);
  if (result.outcome !== "fulfillable") assert.fail(`expected fulfillable, got ${JSON.stringify(result)}`);
  return result;
}

function reasons(body: unknown, expected = EXPECTED): readonly ProblemDetail[] {
  const result: PermissionDetailsOutcome = readPermissionDetails(body, expected);
  if (result.outcome !== "unfulfillable")
    assert.fail(`expected unfulfillable, got ${JSON.stringify(result)}`);
  return result.reasons;
}

function dataNeedFromList(name: string): Json {
  const needs = fixture("sharing/data-needs.json") as unknown as Json[];
  const need = needs.find((n) => n.name === name);
  if (need === undefined) assert.fail(name);
  return need;
}

describe("readPermissionDetails", () => {
  it("reads EDDIE's nested details: the terms with whole days in UTC, and the data need", () => {
    const result = fulfillable(response());
    assert.deepEqual(result.terms, {
      permissionId: PERMISSION_ID,
      connectionId: "1",
      dataNeedId: "5dc71d7e-e8cd-4403-a3a8-d3c095c97a84",
      meterId: null,
      startDate: "2026-02-11",
      endDate: "2026-02-21",
      startTime: Date.parse("2026-02-11T00:00:00.000Z"),
      expirationTime: Date.parse("2026-02-21T23:59:59.999Z"),
      eddieId: "3f9a1b7e-2c4d-4e8f-9a0b-1c2d3e4f5a6b",
    });
    assert.deepEqual(result.dataNeed, {
      id: "5dc71d7e-e8cd-4403-a3a8-d3c095c97a84",
      type: "outbound-aiida",
      name: "FUTURE_NEAR_REALTIME_DATA_OUTBOUND",
      description: "Near realtime consumption data from the smart meter",
      purpose: "purpose",
      policyLink: "https://example.com/toc",
      transmissionSchedule: "*/5 * * * * *",
      schemas: ["SMART-METER-P1-CIM-V1-12"],
      asset: "CONNECTION-AGREEMENT-POINT",
      dataTags: ["1-0:1.8.0", "1-0:1.7.0"],
      allowedPermissionCommands: [],
      acknowledgementRequired: false,
    });
    assert.deepEqual(result.unsupportedSchemas, []);
  });

  it("does not refuse a permission whose start lies in the past", () => {
    const later = { permissionId: PERMISSION_ID, now: Date.parse("2026-02-21T23:59:59.999Z") };
    assert.equal(fulfillable(response(), later).terms.startDate, "2026-02-11");
  });

  it("reads the flat form, numbers as ids, no dataTags as all, and skips unknown keys and unsupported schemas", () => {
    const result = fulfillable(fixture("sharing/permission-details.flat.json"));
    assert.equal(result.terms.connectionId, "17");
    assert.equal(result.terms.meterId, "3114735");
    assert.deepEqual(result.dataNeed.dataTags, []);
    assert.deepEqual(result.dataNeed.schemas, ["SMART-METER-P1-RAW", "OPAQUE", "SMART-METER-P1-CIM-V1-04"]);
    assert.deepEqual(result.unsupportedSchemas, ["OPAQUE"]);
    assert.deepEqual(result.dataNeed.contexts, ["FLEXIBLE-CONNECTION-AGREEMENT"]);
    assert.equal(result.dataNeed.asset, "SUBMETER");
    assert.equal(result.dataNeed.transmissionSchedule, "0 */15 * * * *");
    assert.equal("regionConnectorFilter" in result.dataNeed, false);
  });

  it("reads the newer details with limit defaults and without data_need_id, taking the data need's id", () => {
    const newer = fixture("sharing/permission-details.with-limit-defaults.json");
    const body = { ...newer, data_need: response().data_need };
    const result = fulfillable(body, {
      permissionId: "a1f58555-4b87-4624-996c-ec4cf6ddb6c3",
      now: Date.parse("2026-09-15T00:00:00Z"),
    });
    assert.equal(result.terms.connectionId, "conn-1");
    assert.equal(result.terms.meterId, "meter-1");
    assert.equal(result.terms.dataNeedId, "5dc71d7e-e8cd-4403-a3a8-d3c095c97a84");
    assert.equal(result.terms.expirationTime, Date.parse("2026-10-01T23:59:59.999Z"));
    assert.equal(result.terms.eddieId, undefined);
  });

  it("calls what is not a details document unreadable, so the permission can be fetched again", () => {
    const unreadable = (body: unknown) => readPermissionDetails(body, EXPECTED);
    assert.deepEqual(unreadable([]), {
      outcome: "unreadable",
      problems: [{ path: "$", reason: "expected a JSON object, got array" }],
    });
    assert.deepEqual(unreadable({ errors: [{ message: "Not found" }] }), {
      outcome: "unreadable",
      problems: [
        {
          path: "$",
          reason: "neither permission_request nor permission_id: not a permission details document",
        },
      ],
    });
    assert.deepEqual(unreadable(fixture("sharing/permission-details.with-limit-defaults.json")), {
      outcome: "unreadable",
      problems: [{ path: "$.data_need", reason: "missing" }],
    });
    assert.deepEqual(unreadable({ ...response(), permission_request: "x" }), {
      outcome: "unreadable",
      problems: [{ path: "$.permission_request", reason: 'expected an object, got string "x"' }],
    });
  });

  it("refuses data needs of another type, naming the type", () => {
    for (const name of ["FUTURE_MIN_MAX_ENVELOPE_INBOUND", "LAST_3_MONTHS_ONE_MEASUREMENT_PER_DAY"]) {
      const need = dataNeedFromList(name);
      const body = response();
      body.data_need = need;
      body.permission_request.data_need_id = need.id;
      assert.deepEqual(reasons(body), [
        {
          path: "$.data_need.type",
          reason: `data need type "${need.type}" is not supported: this hub only shares its data out (outbound-aiida)`,
        },
      ]);
    }
  });

  it("refuses a data need none of whose schemas this hub can send", () => {
    const need = dataNeedFromList("Forward inbound opaque and min-max envelopes");
    const body = response();
    body.data_need = need;
    body.permission_request.data_need_id = need.id;
    assert.deepEqual(reasons(body), [
      {
        path: "$.data_need.schemas",
        reason:
          'none of "MIN-MAX-ENVELOPE-CIM-V1-12", "OPAQUE" is a schema this hub can send (SMART-METER-P1-RAW, SMART-METER-P1-CIM-V1-04, SMART-METER-P1-CIM-V1-12)',
      },
    ]);
    assert.deepEqual(reasons(withNeed({ schemas: [] })), [
      { path: "$.data_need.schemas", reason: "no schema listed" },
    ]);
  });

  it("refuses a schedule that is not a 6-field Spring cron expression, or never fires", () => {
    assert.deepEqual(reasons(withNeed({ transmissionSchedule: "*/5 * * * *" })), [
      {
        path: "$.data_need.transmissionSchedule",
        reason:
          "not a Spring cron expression with 6 fields: a cron expression needs 6 fields (second minute hour day-of-month month day-of-week), found 5",
      },
    ]);
    assert.deepEqual(reasons(withNeed({ transmissionSchedule: "0 0 0 30 2 *" })), [
      { path: "$.data_need.transmissionSchedule", reason: '"0 0 0 30 2 *" never fires (no such date)' },
    ]);
  });

  it("refuses details for another permission than the one asked for", () => {
    const other = "11111111-2222-4333-8444-555555555555";
    assert.deepEqual(reasons(withRequest({ permission_id: other })), [
      {
        path: "$.permission_request.permission_id",
        reason: `the details are for permission ${other}, but ${PERMISSION_ID} was asked for`,
      },
    ]);
  });

  it("refuses impossible or finished periods, an unknown asset, tags it cannot measure and a data need mix-up", () => {
    assert.deepEqual(reasons(withRequest({ start: "2026-02-30" })), [
      { path: "$.permission_request.start", reason: 'expected a date yyyy-MM-dd, got string "2026-02-30"' },
    ]);
    assert.deepEqual(reasons(withRequest({ end: "2026-02-10" })), [
      { path: "$.permission_request.end", reason: "2026-02-10 is before the start 2026-02-11" },
    ]);
    assert.deepEqual(
      reasons(response(), { permissionId: PERMISSION_ID, now: Date.parse("2026-02-22T00:00:00Z") }),
      [{ path: "$.permission_request.end", reason: "the permission ended on 2026-02-21" }],
    );
    assert.deepEqual(reasons(withNeed({ asset: "HEAT-PUMP" })), [
      {
        path: "$.data_need.asset",
        reason:
          '"HEAT-PUMP" is not an AIIDA asset (CONNECTION-AGREEMENT-POINT, CONTROLLABLE-UNIT, DEDICATED-MEASUREMENT-DEVICE, SUBMETER)',
      },
    ]);
    assert.deepEqual(reasons(withNeed({ dataTags: ["7-0:3.0.0"] })), [
      {
        path: "$.data_need.dataTags",
        reason: 'none of "7-0:3.0.0" is an OBIS code this hub measures, so nothing could ever be sent',
      },
    ]);
    assert.deepEqual(reasons(withRequest({ data_need_id: "other" })), [
      {
        path: "$.permission_request.data_need_id",
        reason: 'names data need "other", but data_need.id is "5dc71d7e-e8cd-4403-a3a8-d3c095c97a84"',
      },
    ]);
  });

  it("reports every problem at once and still hands back what it could read", () => {
    const body = withNeed({ transmissionSchedule: undefined, asset: undefined });
    body.permission_request.connection_id = null;
    const result = readPermissionDetails(body, EXPECTED);
    assert.equal(result.outcome, "unfulfillable");
    if (result.outcome !== "unfulfillable") return;
    assert.deepEqual(result.reasons, [
      { path: "$.permission_request.connection_id", reason: "missing" },
      { path: "$.data_need.transmissionSchedule", reason: "missing" },
      { path: "$.data_need.asset", reason: "missing" },
    ]);
    assert.equal(result.terms, undefined);
    assert.equal(result.dataNeed, undefined);
    const typeOnly = readPermissionDetails(withNeed({ type: "inbound-aiida" }), EXPECTED);
    assert.equal(typeOnly.outcome === "unfulfillable" && typeOnly.terms?.permissionId, PERMISSION_ID);
  });

  it("takes a blank meter id as none", () => {
    assert.equal(fulfillable(withRequest({ meter_id: "  " })).terms.meterId, null);
  });
});
