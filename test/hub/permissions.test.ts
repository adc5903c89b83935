import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { SHARD_COUNT } from "../../src/cluster/shard-of.ts";
import { ConfigError } from "../../src/config/hub-config.ts";
import { createHub, SECRET_KEY_FILE } from "../../src/hub.ts";
import { silentLogger } from "../../src/platform/logger.ts";
import { decodeAiidaCode } from "../../src/sharing/aiida-code.ts";
import {
  startTestHub,
  storedRows,
  TEST_BACKEND,
  type TestHub,
  tempDataDir,
  testHubConfig,
} from "../helpers/hub-harness.ts";
import { RecordingStreaming } from "../helpers/recording-streaming.ts";
import { base64Code, StandInEddie, utcDay } from "../helpers/stand-in-eddie.ts";
import { waitFor } from "../helpers/wait-for.ts";

type Json = Record<string, any>;

/** Short waits so that retries happen within a test; the handshake timeout is cut for the hanging EDDIE. */
const FAST = { retry: { firstDelayMs: 20, maxDelayMs: 200 }, handshakeTimeoutMs: 500 };

interface Setup {
  readonly eddie: StandInEddie;
  readonly streaming: RecordingStreaming;
  readonly hub: TestHub;
}

async function setup(
  t: TestContext,
  options: {
    dataDir?: string;
    now?: () => number;
    eddie?: StandInEddie;
    streaming?: RecordingStreaming;
  } = {},
): Promise<Setup> {
  const eddie = options.eddie ?? (await StandInEddie.start(t));
  const streaming = options.streaming ?? new RecordingStreaming();
  const hub = await startTestHub(t, {
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    hub: {
      streaming: () => streaming,
      sharing: { ...FAST, ...(options.now !== undefined && { now: options.now }) },
    },
  });
  return { eddie, streaming, hub };
}

async function permission(hub: TestHub, id: string): Promise<Json> {
  const res = await hub.api("GET", `/api/permissions/${id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

function inStatus(hub: TestHub, id: string, status: string, timeoutMs?: number): Promise<Json> {
  return waitFor(
    async () => {
      const body = await permission(hub, id);
      return body.status === status && body.pendingStep === null ? body : undefined;
    },
    `permission ${id} ${status} with nothing pending`,
    timeoutMs,
  );
}

/** Adds a code and checks the 201. */
async function add(hub: TestHub, body: unknown): Promise<Json[]> {
  const res = await hub.api("POST", "/api/permissions", body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** A permission with its details fetched, and a data source of its asset. */
async function fetched(s: Setup, changes: Parameters<StandInEddie["issue"]>[1] = {}) {
  const code = s.eddie.issue(1, changes);
  const id = code.permissionIds[0] as string;
  const [added] = await add(s.hub, { aiidaCode: base64Code(code) });
  assert.equal(added?.status, "FETCHED_DETAILS");
  const source = await s.hub.createDataSource({ asset: "CONNECTION-AGREEMENT-POINT" });
  return { id, code, sourceId: source.id };
}

async function aiidaId(hub: TestHub): Promise<string> {
  const res = await hub.api("GET", "/api/application-information");
  assert.equal(res.status, 200);
  return res.body.aiidaId;
}

describe("adding permissions from an AIIDA code", () => {
  it("takes the base64 code or the decoded object, fetches the details with the bearer token and answers 201", async (t) => {
    const s = await setup(t);
    const first = s.eddie.issue(2);
    const byCode = await add(s.hub, { aiidaCode: base64Code(first) });
    const second = s.eddie.issue(1);
    const byObject = await add(s.hub, second);

    assert.deepEqual(
      byCode.map((p) => p.permissionId),
      first.permissionIds,
    );
    for (const p of [...byCode, ...byObject]) {
      assert.equal(p.status, "FETCHED_DETAILS");
      assert.equal(p.eddieId, s.eddie.eddieId);
      assert.equal(p.serviceName, "FUTURE_NEAR_REALTIME_DATA_OUTBOUND");
      assert.equal(p.connectionId, "1");
      assert.equal(p.startTime, `${utcDay(0)}T00:00:00.000Z`);
      assert.equal(p.expirationTime, `${utcDay(10)}T23:59:59.999Z`);
      assert.equal(p.dataNeed.dataNeedId, "5dc71d7e-e8cd-4403-a3a8-d3c095c97a84");
      assert.deepEqual(p.dataNeed.dataTags, ["1-0:1.8.0", "1-0:1.7.0"]);
      assert.equal(p.effectiveTransmissionSchedule, "*/5 * * * * *");
      assert.equal(p.owner, "admin");
      assert.equal(p.lastError, null);
    }
    for (const call of s.eddie.callsOf("GET")) {
      assert.equal(call.authorization, `Bearer ${s.eddie.accessToken}`);
      assert.equal(call.accept, "application/json");
      assert.equal(call.status, 200);
    }
    assert.equal(s.eddie.callsOf("GET").length, 3);
    // Newest first; the groups filter.
    const all = (await s.hub.api("GET", "/api/permissions")).body;
    assert.deepEqual(all.map((p: Json) => p.permissionId).slice(0, 1), second.permissionIds);
    assert.equal(all.length, 3);
    assert.equal((await s.hub.api("GET", "/api/permissions?status=pending")).body.length, 3);
    assert.deepEqual((await s.hub.api("GET", "/api/permissions?status=active")).body, []);
    const badFilter = await s.hub.api("GET", "/api/permissions?status=open");
    assert.equal(badFilter.status, 400);
    assert.equal(badFilter.body.error.details[0].path, "status");
  });

  const badCodes: Array<{ name: string; body: unknown; paths: string[] }> = [
    { name: "text that is not base64", body: { aiidaCode: "not*base64" }, paths: ["$"] },
    { name: "base64 of something that is not JSON", body: { aiidaCode: "aGVsbG8=" }, paths: ["$"] },
    { name: "a code that is not text", body: { aiidaCode: 42 }, paths: ["$.aiidaCode"] },
    {
      name: "a code with another field beside it",
      body: { aiidaCode: "e30=", colour: "red" },
      paths: ["$.accessToken", "$.colour", "$.eddieId", "$.handshakeUrl", "$.permissionIds"],
    },
    {
      name: "an object missing every field",
      body: {},
      paths: ["$.accessToken", "$.eddieId", "$.handshakeUrl", "$.permissionIds"],
    },
    {
      name: "a permission id that is not a UUID and a handshake URL that is not http",
      body: {
        eddieId: "e",
        permissionIds: ["70744400-a059-4fc8-ab36-d68b2bb877e1", "NOT-A-UUID"],
        handshakeUrl: "ftp://eddie.example/{permissionId}",
        accessToken: "t",
      },
      paths: ["$.handshakeUrl", "$.permissionIds[1]"],
    },
  ];
  for (const c of badCodes) {
    it(`refuses ${c.name} with 400 naming each problem, and adds nothing`, async (t) => {
      const s = await setup(t);
      const res = await s.hub.api("POST", "/api/permissions", c.body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, "VALIDATION_FAILED");
      assert.deepEqual(res.body.error.details.map((d: Json) => d.path).sort(), c.paths);
      for (const detail of res.body.error.details) assert.ok(detail.reason.length > 0);
      assert.deepEqual((await s.hub.api("GET", "/api/permissions")).body, []);
      assert.deepEqual(s.eddie.calls, []);
    });
  }

  it("refuses a code with a permission id already added with 409, and adds none of the code", async (t) => {
    const s = await setup(t);
    const code = s.eddie.issue(1);
    await add(s.hub, code);
    const again = s.eddie.issue(1);
    const res = await s.hub.api("POST", "/api/permissions", {
      ...code,
      permissionIds: [...again.permissionIds, ...code.permissionIds],
    });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, "CONFLICT");
    assert.deepEqual(res.body.error.details, [{ path: "$.permissionIds[1]", reason: "already added" }]);
    assert.equal((await s.hub.api("GET", "/api/permissions")).body.length, 1);
    assert.equal(s.eddie.callsOf("GET").length, 1);
  });

  it("makes a permission UNFULFILLABLE with the reasons and tells EDDIE with PATCH UNFULFILLABLE", async (t) => {
    const s = await setup(t);
    const code = s.eddie.issue(1, { dataNeed: { schemas: ["OPAQUE"], asset: "HOUSE" } });
    const id = code.permissionIds[0];
    const [added] = await add(s.hub, code);
    assert.equal(added?.status, "UNFULFILLABLE");
    assert.deepEqual(added?.problems.map((p: Json) => p.path).sort(), [
      "$.data_need.asset",
      "$.data_need.schemas",
    ]);
    assert.match(added?.statusReason, /cannot fulfil/);
    assert.equal(added?.connectionId, "1", "the terms that could be read are kept");
    await inStatus(s.hub, id, "UNFULFILLABLE");
    const patches = s.eddie.callsOf("PATCH", id);
    assert.deepEqual(
      patches.map((c) => c.body),
      [{ operation: "UNFULFILLABLE", aiidaId: await aiidaId(s.hub) }],
    );
    assert.equal(s.eddie.states.get(id), "UNFULFILLABLE");
  });

  it("does not refuse a permission whose start lies in the past", async (t) => {
    const s = await setup(t);
    const code = s.eddie.issue(1, { request: { start: "2000-01-01" } });
    const [added] = await add(s.hub, code);
    assert.equal(added?.status, "FETCHED_DETAILS");
    assert.equal(added?.startTime, "2000-01-01T00:00:00.000Z");
  });

  it("answers 201 with CREATED and the reason when EDDIE fails, then fetches the details in the background", async (t) => {
    const s = await setup(t);
    const code = s.eddie.issue(1);
    const id = code.permissionIds[0];
    s.eddie.failNext("GET", { status: 503 }, "hang", { status: 502 });
    const [added] = await add(s.hub, { aiidaCode: base64Code(code) });
    assert.equal(added?.status, "CREATED");
    assert.match(added?.lastError, /EDDIE answered HTTP 503: injected failure/);
    assert.equal(added?.pendingStep.step, "FETCH_DETAILS");
    const done = await inStatus(s.hub, id, "FETCHED_DETAILS");
    assert.equal(done.lastError, null);
    // 503, no answer within the timeout, 502, then the details.
    assert.deepEqual(
      s.eddie.callsOf("GET", id).map((c) => c.status),
      [503, 502, 200],
    );
  });

  it("gives up the GET when EDDIE refuses it with a 4xx: UNFULFILLABLE with the reason, not asked again", async (t) => {
    const s = await setup(t);
    const code = s.eddie.issue(1);
    const id = code.permissionIds[0];
    const [added] = await add(s.hub, { ...code, accessToken: "expired-token" });
    assert.equal(added?.status, "UNFULFILLABLE");
    assert.match(
      added?.statusReason,
      /EDDIE refused to hand out the details: EDDIE answered HTTP 403: Access denied/,
    );
    assert.equal(added?.pendingStep, null);
    assert.equal(s.eddie.callsOf("GET", id).length, 1);
    assert.equal(s.eddie.callsOf("PATCH", id).length, 0);
  });

  it("deletes a permission that was never granted without telling EDDIE; a deleted id may be added again", async (t) => {
    const s = await setup(t);
    const code = s.eddie.issue(1);
    const id = code.permissionIds[0];
    await add(s.hub, code);
    assert.equal((await s.hub.api("DELETE", `/api/permissions/${id}`)).status, 204);
    assert.equal((await s.hub.api("GET", `/api/permissions/${id}`)).status, 404);
    assert.equal(s.eddie.callsOf("PATCH").length, 0);
    const [again] = await add(s.hub, code);
    assert.equal(again?.status, "FETCHED_DETAILS");
    assert.equal(
      (await s.hub.api("DELETE", "/api/permissions/00000000-0000-4000-8000-000000000000")).status,
      404,
    );
  });
});

describe("permission ids in paths", () => {
  it("answers 404 for another owner's permission on every permission route, as for an id that cannot exist", async (t) => {
    const s = await setup(t);
    const code = decodeAiidaCode(s.eddie.issue(1));
    assert.ok(code.ok);
    const [theirs] = await s.hub.hub.internals.permissions().add("another-user", code.value);
    assert.ok(theirs);
    const mine = (await add(s.hub, s.eddie.issue(1)))[0]?.permissionId as string;
    const routes = (id: string) =>
      [
        ["GET", `/api/permissions/${id}`],
        ["PATCH", `/api/permissions/${id}`],
        ["DELETE", `/api/permissions/${id}`],
        ["GET", `/api/permissions/${id}/data-flow`],
        ["GET", `/api/permissions/${id}/consent-record`],
      ] as const;
    for (const id of [theirs.permissionId, "not-a-uuid", mine.toUpperCase()]) {
      for (const [method, path] of routes(id)) {
        const res = await s.hub.api(method, path, method === "PATCH" ? { operation: "REJECT" } : undefined);
        assert.equal(res.status, 404, `${method} ${path}: ${JSON.stringify(res.body)}`);
        assert.deepEqual(res.body.error, { code: "NOT_FOUND", message: `No permission with id ${id}.` });
      }
    }
    assert.equal(
      (await s.hub.hub.internals.permissions().get("another-user", theirs.permissionId)).status,
      theirs.status,
    );
    for (const [, path] of routes(mine).filter(([method]) => method === "GET")) {
      assert.equal((await s.hub.api("GET", path)).status, 200, path);
    }
  });
});

describe("deciding on a permission", () => {
  it("refuses ACCEPT with a data source of another asset, or none, with 400 and changes nothing", async (t) => {
    const s = await setup(t);
    const { id } = await fetched(s);
    const submeter = await s.hub.createDataSource({ asset: "SUBMETER", name: "Heat pump" });
    const wrong = await s.hub.api("PATCH", `/api/permissions/${id}`, {
      operation: "ACCEPT",
      dataSourceId: submeter.id,
    });
    assert.equal(wrong.status, 400);
    assert.deepEqual(
      wrong.body.error.details.map((d: Json) => d.path),
      ["dataSourceId"],
    );
    assert.match(
      wrong.body.error.details[0].reason,
      /measures a SUBMETER, but the data need asks for a CONNECTION-AGREEMENT-POINT/,
    );
    const unknown = await s.hub.api("PATCH", `/api/permissions/${id}`, {
      operation: "ACCEPT",
      dataSourceId: "00000000-0000-4000-8000-000000000000",
    });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.details[0].reason, /no data source/);
    const badBody = await s.hub.api("PATCH", `/api/permissions/${id}`, { operation: "ACCEPT" });
    assert.equal(badBody.status, 400);
    assert.deepEqual(
      badBody.body.error.details.map((d: Json) => d.path),
      ["dataSourceId"],
    );
    const badOperation = await s.hub.api("PATCH", `/api/permissions/${id}`, { operation: "MAYBE" });
    assert.equal(badOperation.status, 400);
    assert.equal((await permission(s.hub, id)).status, "FETCHED_DETAILS");
    assert.equal(s.eddie.callsOf("PATCH").length, 0);
  });

  it("accepts: PATCH ACCEPT with the AIIDA id, the credentials stored sealed, streaming started with them", async (t) => {
    const s = await setup(t);
    const { id, sourceId } = await fetched(s);
    const res = await s.hub.api("PATCH", `/api/permissions/${id}`, {
      operation: "ACCEPT",
      dataSourceId: sourceId,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, "STREAMING_DATA");
    assert.equal(res.body.dataSourceId, sourceId);
    assert.ok(res.body.grantTime);
    assert.deepEqual(res.body.mqttStreamingConfig, {
      serverUri: "tcp://localhost:1883",
      dataTopic: `aiida/v1/${id}/data/outbound`,
    });
    assert.deepEqual(
      s.eddie.callsOf("PATCH", id).map((c) => c.body),
      [{ operation: "ACCEPT", aiidaId: await aiidaId(s.hub) }],
    );
    const password = s.eddie.passwords.get(id) ?? assert.fail("EDDIE handed out no password");

    // The streaming side got the permission with the password in memory.
    const [granted] = s.streaming.startedOf(id);
    assert.equal(granted?.credentials.password, password);
    assert.equal(granted?.credentials.brokerUrl, "mqtt://localhost:1883");
    assert.equal(granted?.credentials.statusTopic, `aiida/v1/${id}/status`);
    assert.equal(granted?.aiidaId, await aiidaId(s.hub));
    assert.equal(granted?.dataSource.id, sourceId);
    assert.equal(granted?.dataNeedId, "5dc71d7e-e8cd-4403-a3a8-d3c095c97a84");
    assert.equal(granted?.transmissionSchedule, "*/5 * * * * *");

    // At rest: neither the password nor the access token in any column; the key file only for the hub's user.
    const rows = [
      ...(await storedRows(s.hub, "permission")),
      ...(await storedRows(s.hub, "permission_mqtt_credentials")),
    ] as Json[];
    assert.equal(rows.length, 2);
    for (const row of rows) {
      for (const value of Object.values(row)) {
        const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
        assert.equal(bytes.includes(Buffer.from(password)), false);
        assert.equal(bytes.includes(Buffer.from(s.eddie.accessToken)), false);
      }
    }
    assert.equal(statSync(join(s.hub.dataDir, SECRET_KEY_FILE)).mode & 0o777, 0o600);

    // Never in an answer either.
    for (const path of ["/api/permissions", `/api/permissions/${id}`]) {
      const text = JSON.stringify((await s.hub.api("GET", path)).body);
      assert.equal(text.includes(password), false);
      assert.equal(text.includes(s.eddie.accessToken), false);
    }
    assert.equal(JSON.stringify(res.body).includes(password), false);
  });

  it("keeps an ACCEPTED permission when PATCH ACCEPT fails, and retries it until the credentials come", async (t) => {
    const s = await setup(t);
    const { id, sourceId } = await fetched(s);
    s.eddie.failNext("PATCH", { status: 503 }, { status: 500 });
    const res = await s.hub.api("PATCH", `/api/permissions/${id}`, {
      operation: "ACCEPT",
      dataSourceId: sourceId,
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "ACCEPTED");
    assert.match(res.body.lastError, /HTTP 503/);
    assert.equal(res.body.pendingStep.step, "PATCH_ACCEPT");
    await inStatus(s.hub, id, "STREAMING_DATA");
    assert.deepEqual(
      s.eddie.callsOf("PATCH", id).map((c) => c.status),
      [503, 500, 200],
    );
    assert.equal(s.streaming.startedOf(id).length, 1);
  });

  it("ends in FAILED_TO_START when EDDIE took an ACCEPT whose answer was lost and answers the retry with 400", async (t) => {
    const s = await setup(t);
    const { id, sourceId } = await fetched(s);
    s.eddie.failNext("PATCH", "lose-answer");
    await s.hub.api("PATCH", `/api/permissions/${id}`, { operation: "ACCEPT", dataSourceId: sourceId });
    const failed = await inStatus(s.hub, id, "FAILED_TO_START");
    assert.match(failed.statusReason, /HTTP 400: it no longer waits for an answer/);
    assert.deepEqual(
      s.eddie.callsOf("PATCH", id).map((c) => c.status),
      [503, 400],
    );
    assert.equal(s.streaming.started.length, 0);
  });

  it("rejects: REJECTED at once, PATCH REJECT retried until EDDIE takes it; a second decision is a 409", async (t) => {
    const s = await setup(t);
    const { id } = await fetched(s);
    s.eddie.failNext("PATCH", { status: 503 });
    const res = await s.hub.api("PATCH", `/api/permissions/${id}`, { operation: "REJECT" });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "REJECTED");
    assert.ok(res.body.revokeTime);
    const done = await inStatus(s.hub, id, "REJECTED");
    assert.equal(done.lastError, null);
    assert.equal(s.eddie.states.get(id), "REJECTED");
    assert.deepEqual(
      s.eddie.callsOf("PATCH", id).map((c) => [c.status, (c.body as Json).operation]),
      [
        [503, "REJECT"],
        [204, "REJECT"],
      ],
    );
    const again = await s.hub.api("PATCH", `/api/permissions/${id}`, { operation: "REVOKE" });
    assert.equal(again.status, 409);
    assert.equal((await s.hub.api("DELETE", `/api/permissions/${id}`)).status, 409);
  });

  it("revokes a streaming permission: REVOKED and finish(…, REVOKED), retried when finish fails", async (t) => {
    const s = await setup(t);
    const { id, sourceId } = await fetched(s);
    await s.hub.api("PATCH", `/api/permissions/${id}`, { operation: "ACCEPT", dataSourceId: sourceId });
    s.streaming.failFinish = 1;
    const res = await s.hub.api("PATCH", `/api/permissions/${id}`, { operation: "REVOKE" });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "REVOKED");
    assert.ok(res.body.revokeTime);
    await inStatus(s.hub, id, "REVOKED");
    assert.deepEqual(s.streaming.finishedOf(id), ["REVOKED"]);
    assert.equal(s.streaming.finished[0]?.permission.credentials.password, s.eddie.passwords.get(id));
  });

  it("revokes a permission whose credentials have not come yet; once EDDIE hands them out, it is told REVOKED", async (t) => {
    const s = await setup(t);
    const { id, sourceId } = await fetched(s);
    s.eddie.failNext("PATCH", ...Array.from({ length: 1000 }, () => ({ status: 503 })));
    const accepted = await s.hub.api("PATCH", `/api/permissions/${id}`, {
      operation: "ACCEPT",
      dataSourceId: sourceId,
    });
    assert.equal(accepted.body.status, "ACCEPTED");
    const revoked = await s.hub.api("PATCH", `/api/permissions/${id}`, { operation: "REVOKE" });
    assert.equal(revoked.body.status, "REVOKED");
    assert.equal(revoked.body.pendingStep.step, "PATCH_ACCEPT");
    assert.equal(s.streaming.finished.length, 0);
    s.eddie.clearFaults();
    const done = await inStatus(s.hub, id, "REVOKED");
    assert.equal(done.lastError, null);
    assert.deepEqual(s.streaming.finishedOf(id), ["REVOKED"]);
    assert.equal(s.streaming.finished[0]?.permission.credentials.password, s.eddie.passwords.get(id));
    assert.equal(s.streaming.started.length, 0, "a revoked permission never streams");
  });

  it("keeps the credentials EDDIE answers while the hub is stopping", async (t) => {
    const dataDir = tempDataDir(t);
    const eddie = await StandInEddie.start(t);
    const first = await setup(t, { dataDir, eddie });
    const { id, sourceId } = await fetched(first);
    eddie.failNext("PATCH", { delayMs: 300 });
    const accepting = first.hub
      .api("PATCH", `/api/permissions/${id}`, { operation: "ACCEPT", dataSourceId: sourceId })
      .catch(() => undefined); // the stop closes this request's connection
    await waitFor(() => eddie.received.some((r) => r.method === "PATCH"), "EDDIE to receive the ACCEPT");
    await first.hub.stop();
    await accepting;
    assert.equal(eddie.states.get(id), "ACCEPTED");

    const second = await setup(t, { dataDir, eddie });
    const streaming = await inStatus(second.hub, id, "STREAMING_DATA");
    assert.equal(streaming.mqttStreamingConfig.dataTopic, `aiida/v1/${id}/data/outbound`);
    assert.equal(second.streaming.startedOf(id)[0]?.credentials.password, eddie.passwords.get(id));
    assert.equal(eddie.callsOf("PATCH", id).length, 1, "no second ACCEPT");
  });

  it("revokes a permission that waits for its start: finish(…, REVOKED) all the same", async (t) => {
    const s = await setup(t);
    const { id, sourceId } = await fetched(s, { request: { start: utcDay(1), end: utcDay(5) } });
    const res = await s.hub.api("PATCH", `/api/permissions/${id}`, {
      operation: "ACCEPT",
      dataSourceId: sourceId,
    });
    assert.equal(res.body.status, "WAITING_FOR_START");
    assert.equal(s.streaming.started.length, 0);
    await s.hub.api("PATCH", `/api/permissions/${id}`, { operation: "REVOKE" });
    await inStatus(s.hub, id, "REVOKED");
    assert.deepEqual(s.streaming.finishedOf(id), ["REVOKED"]);
  });

  it("revokes the permissions that share a data source before the data source is deleted", async (t) => {
    const s = await setup(t);
    const { id, sourceId } = await fetched(s);
    await s.hub.api("PATCH", `/api/permissions/${id}`, { operation: "ACCEPT", dataSourceId: sourceId });
    assert.equal((await s.hub.api("DELETE", `/api/datasources/${sourceId}`)).status, 204);
    const revoked = await inStatus(s.hub, id, "REVOKED");
    assert.equal(revoked.statusReason, "Its data source was deleted.");
    assert.equal(revoked.dataSource.deleted, true);
    assert.deepEqual(s.streaming.finishedOf(id), ["REVOKED"]);
    assert.equal(s.streaming.finished[0]?.permission.dataSource.id, sourceId);
  });
});

describe("EDDIE's commands", () => {
  it("TERMINATE ends a streaming permission with EXTERNALLY_TERMINATED; a command for a final one is ignored", async (t) => {
    const s = await setup(t);
    const { id, sourceId } = await fetched(s);
    await s.hub.api("PATCH", `/api/permissions/${id}`, { operation: "ACCEPT", dataSourceId: sourceId });
    const commands = s.hub.hub.internals.permissions();
    await commands.handleCommand(id, { action: "TERMINATE", permissionId: id, regionConnectorId: "aiida" });
    const terminated = await inStatus(s.hub, id, "TERMINATED");
    assert.ok(terminated.revokeTime);
    assert.deepEqual(s.streaming.finishedOf(id), ["EXTERNALLY_TERMINATED"]);
    await commands.handleCommand(id, { action: "TERMINATE", permissionId: id, regionConnectorId: "aiida" });
    await commands.handleCommand(id, {
      action: "SET_TRANSMISSION_ENABLED",
      permissionId: id,
      regionConnectorId: "aiida",
      enabled: false,
    });
    assert.equal((await permission(s.hub, id)).status, "TERMINATED");
    assert.deepEqual(s.streaming.finishedOf(id), ["EXTERNALLY_TERMINATED"]);
    assert.deepEqual(s.streaming.transmission, []);
  });

  it("SET_TRANSMISSION_ENABLED and UPDATE_TRANSMISSION_SCHEDULE are kept and passed to the streaming side", async (t) => {
    const s = await setup(t);
    const { id, sourceId } = await fetched(s);
    await s.hub.api("PATCH", `/api/permissions/${id}`, { operation: "ACCEPT", dataSourceId: sourceId });
    const commands = s.hub.hub.internals.permissions();
    const base = { permissionId: id, regionConnectorId: "aiida" };
    await commands.handleCommand(id, { ...base, action: "SET_TRANSMISSION_ENABLED", enabled: false });
    await commands.handleCommand(id, {
      ...base,
      action: "UPDATE_TRANSMISSION_SCHEDULE",
      transmissionSchedule: "0 */15 * * * *",
    });
    const after = await permission(s.hub, id);
    assert.equal(after.transmissionEnabled, false);
    assert.equal(after.transmissionSchedule, "0 */15 * * * *");
    assert.equal(after.effectiveTransmissionSchedule, "0 */15 * * * *");
    assert.deepEqual(s.streaming.transmission, [{ permissionId: id, enabled: false }]);
    assert.deepEqual(s.streaming.schedules, [{ permissionId: id, schedule: "0 */15 * * * *" }]);
  });
});

describe("a restart", () => {
  it("resumes a CREATED permission and ends a streaming one whose end passed with FULFILLED", async (t) => {
    const dataDir = tempDataDir(t);
    const eddie = await StandInEddie.start(t);
    const first = await setup(t, { dataDir, eddie });
    // Streaming until the end of today.
    const { id: streamingId, sourceId } = await fetched(first, { request: { end: utcDay(0) } });
    await first.hub.api("PATCH", `/api/permissions/${streamingId}`, {
      operation: "ACCEPT",
      dataSourceId: sourceId,
    });
    assert.equal((await permission(first.hub, streamingId)).status, "STREAMING_DATA");
    // Waiting for the user's decision until the end of today.
    const pending = eddie.issue(1, { request: { end: utcDay(0) } });
    const pendingId = pending.permissionIds[0];
    await add(first.hub, pending);
    // EDDIE down for every GET while the first hub runs.
    const code = eddie.issue(1);
    const createdId = code.permissionIds[0];
    eddie.failNext("GET", ...Array.from({ length: 1000 }, () => ({ status: 503 })));
    const [created] = await add(first.hub, code);
    assert.equal(created?.status, "CREATED");
    const instance = await aiidaId(first.hub);
    await first.hub.stop();
    eddie.clearFaults();

    // Two days later.
    const later = () => Date.now() + 2 * 86_400_000;
    const second = await setup(t, { dataDir, eddie, now: later });
    await inStatus(second.hub, createdId, "FETCHED_DETAILS");
    const fulfilled = await inStatus(second.hub, streamingId, "FULFILLED");
    assert.equal(fulfilled.revokeTime, null);
    assert.deepEqual(second.streaming.finishedOf(streamingId), ["FULFILLED"]);
    assert.equal(
      second.streaming.finished[0]?.permission.credentials.password,
      eddie.passwords.get(streamingId),
    );
    const expired = await inStatus(second.hub, pendingId, "UNFULFILLABLE");
    assert.match(expired.statusReason, /last day passed before it was accepted/);
    assert.equal(eddie.states.get(pendingId), "UNFULFILLABLE");
    assert.equal(await aiidaId(second.hub), instance);
  });
});

describe("a step the hub stopped in the middle of", () => {
  it("is tried again at once after the restart, not only when its claim runs out", async (t) => {
    const dataDir = tempDataDir(t);
    const eddie = await StandInEddie.start(t);
    const first = await setup(t, { dataDir, eddie });
    const code = eddie.issue(1);
    const id = code.permissionIds[0] as string;
    // The first GET fails at once; every retry hangs (the handshake timeout is 500 ms here).
    eddie.failNext("GET", { status: 503 }, ...Array.from({ length: 100 }, () => "hang" as const));
    const [added] = await add(first.hub, { aiidaCode: base64Code(code) });
    assert.equal(added?.status, "CREATED");
    const gets = () => eddie.received.filter((r) => r.method === "GET" && r.permissionId === id).length;
    await waitFor(() => gets() >= 2, "a retry of the GET in flight");
    await first.hub.stop();
    eddie.clearFaults();

    const second = await setup(t, { dataDir, eddie });
    const details = await inStatus(second.hub, id, "FETCHED_DETAILS", 10_000);
    assert.equal(details.lastError, null);
  });
});

describe("the streaming side's seam", () => {
  it("resumes the ending permissions and serves the data flow of any streaming side, not only the MQTT one", async (t) => {
    const s = await setup(t);
    const { id, sourceId } = await fetched(s);
    await s.hub.api("PATCH", `/api/permissions/${id}`, { operation: "ACCEPT", dataSourceId: sourceId });
    assert.equal((await permission(s.hub, id)).status, "STREAMING_DATA");

    // Alone on SQLite all at once; on PostgreSQL for the shards taken together (the first, then the rest).
    await waitFor(() => s.streaming.resumeLookups.length >= 1, "the permissions resumed");
    if (TEST_BACKEND === "sqlite") assert.equal(s.streaming.resumeLookups.length, 1, "resumed once at start");
    else assert.ok(s.streaming.resumeLookups.length < SHARD_COUNT, "not once per shard");
    const [lookup] = s.streaming.resumeLookups;
    assert.ok(lookup);
    assert.equal((await lookup(id))?.credentials.password, s.eddie.passwords.get(id));
    assert.equal(await lookup(randomUUID()), undefined);

    const flow = await s.hub.api("GET", `/api/permissions/${id}/data-flow`);
    assert.equal(flow.status, 200, JSON.stringify(flow.body));
    assert.equal(flow.body.phase, "streaming");
    await s.hub.api("PATCH", `/api/permissions/${id}`, { operation: "REVOKE" });
    await inStatus(s.hub, id, "REVOKED");
    const ended = await s.hub.api("GET", `/api/permissions/${id}/data-flow`);
    assert.equal(ended.body.phase, "finished");
    assert.equal(ended.body.finalStatus, "REVOKED");
    const consent = await s.hub.api("GET", `/api/permissions/${id}/consent-record`);
    assert.equal(consent.status, 200, JSON.stringify(consent.body));
    assert.deepEqual(consent.body.values, []);
    assert.equal(consent.body.status, "REVOKED");
  });
});

describe("the secret key file", () => {
  async function startFails(dataDir: string): Promise<Error> {
    const hub = createHub(await testHubConfig(dataDir), silentLogger);
    try {
      await hub.start();
    } catch (error) {
      return error as Error;
    } finally {
      await hub.stop();
    }
    return assert.fail("the hub started");
  }

  it("refuses to start with another key file, or none, beside a database with sealed secrets", async (t) => {
    const dataDir = tempDataDir(t);
    const keyFile = join(dataDir, SECRET_KEY_FILE);
    const empty = await setup(t, { dataDir });
    await empty.hub.stop();
    // Nothing sealed yet (a database restored without its key file, say): a new key is fine.
    rmSync(keyFile);
    const s = await setup(t, { dataDir, eddie: empty.eddie });
    assert.equal(existsSync(keyFile), true);
    await add(s.hub, s.eddie.issue(1));
    await s.hub.stop();
    const key = readFileSync(keyFile);

    writeFileSync(keyFile, randomBytes(32));
    const other = await startFails(dataDir);
    assert.ok(other instanceof ConfigError);
    assert.match(other.message, /is not the one the secrets in aiida-hub.sqlite were sealed with/);

    rmSync(keyFile);
    const none = await startFails(dataDir);
    assert.ok(none instanceof ConfigError);
    assert.equal(existsSync(keyFile), false, "no new key is left behind");

    writeFileSync(keyFile, "short");
    const short = await startFails(dataDir);
    assert.ok(short instanceof ConfigError);
    assert.match(short.message, /holds 5 bytes, not 32/);

    writeFileSync(keyFile, key, { mode: 0o600 });
    const again = await setup(t, { dataDir, eddie: s.eddie });
    assert.equal((await again.hub.api("GET", "/api/permissions")).body.length, 1);
  });
});
