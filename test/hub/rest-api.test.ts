import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Fastify from "fastify";
import type { HttpContext } from "../../src/http/http-context.ts";
import { registerRoutes } from "../../src/http/http-server.ts";
import { silentLogger } from "../../src/platform/logger.ts";
import { CIM_SOURCE, startTestHub } from "../helpers/hub-harness.ts";

describe("the REST API", () => {
  it("answers only the health check, the login and the OpenAPI document without a session", async (t) => {
    const hub = await startTestHub(t);
    assert.equal((await hub.api("GET", "/api/health", undefined, null)).status, 200);
    assert.equal((await hub.api("GET", "/api/openapi.json", undefined, null)).status, 200);
    for (const [method, path] of [
      ["GET", "/api/datasources"],
      ["POST", "/api/datasources"],
      ["GET", "/api/catalogue"],
      ["GET", "/api/datasources/00000000-0000-0000-0000-000000000000/records"],
    ] as const) {
      const res = await hub.api(method, path, undefined, null);
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal(res.body.error.code, "UNAUTHENTICATED");
    }
    assert.equal((await hub.api("GET", "/api/datasources", undefined, "made-up-token")).status, 401);
  });

  it("refuses a wrong admin password and ends a session on logout", async (t) => {
    const hub = await startTestHub(t);
    const wrong = await hub.api("POST", "/api/auth/login", { username: "admin", password: "nope" }, null);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.message, "Wrong username or password.");
    const login = await hub.api(
      "POST",
      "/api/auth/login",
      { username: "admin", password: "test-admin-password" },
      null,
    );
    assert.match(login.headers.get("set-cookie") ?? "", /aiida_hub_session=.+HttpOnly/);
    const token = login.body.token;
    assert.equal((await hub.api("GET", "/api/datasources", undefined, token)).status, 200);
    assert.equal((await hub.api("POST", "/api/auth/logout", undefined, token)).status, 204);
    assert.equal((await hub.api("GET", "/api/datasources", undefined, token)).status, 401);
  });

  const invalidBodies = [
    { name: "missing fields", body: {}, paths: ["name", "type", "asset", "countryCode"] },
    { name: "an unknown asset", body: { ...CIM_SOURCE, asset: "HOUSE" }, paths: ["asset"] },
    { name: "an unknown type", body: { ...CIM_SOURCE, type: "SHELLY" }, paths: ["type"] },
    {
      name: "a country outside the list",
      body: { ...CIM_SOURCE, countryCode: "XX" },
      paths: ["countryCode"],
    },
    { name: "an empty name", body: { ...CIM_SOURCE, name: "  " }, paths: ["name"] },
    { name: "an unknown field", body: { ...CIM_SOURCE, colour: "red" }, paths: ["$"] },
    { name: "a wrong type of value", body: { ...CIM_SOURCE, enabled: "yes" }, paths: ["enabled"] },
  ];
  for (const c of invalidBodies) {
    it(`rejects a data source with ${c.name} with 400, naming each field, and creates nothing`, async (t) => {
      const hub = await startTestHub(t);
      const res = await hub.api("POST", "/api/datasources", c.body);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, "VALIDATION_FAILED");
      assert.deepEqual(
        res.body.error.details.map((d: { path: string }) => d.path).sort(),
        [...c.paths].sort(),
      );
      assert.deepEqual((await hub.api("GET", "/api/datasources")).body, []);
    });
  }

  it("rejects a body that is not JSON with 400", async (t) => {
    const hub = await startTestHub(t);
    const res = await hub.api("POST", "/api/datasources", "{broken");
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, "VALIDATION_FAILED");
  });

  it("creates, lists, changes and deletes a data source; the password is returned only at creation", async (t) => {
    const hub = await startTestHub(t);
    const created = await hub.api("POST", "/api/datasources", {
      ...CIM_SOURCE,
      countryCode: "de",
      meterId: "123",
    });
    assert.equal(created.status, 201);
    const id = created.body.id;
    assert.equal(created.body.countryCode, "DE");
    assert.equal(created.body.icon, "ELECTRICITY");
    assert.equal(created.body.enabled, true);
    assert.equal(created.body.credentials.username, id);
    assert.match(created.body.credentials.password, /^[0-9A-Za-z]{24}$/);
    const listed = await hub.api("GET", "/api/datasources");
    assert.deepEqual(
      listed.body.map((s: { id: string }) => s.id),
      [id],
    );
    assert.ok(
      !JSON.stringify(listed.body).includes(created.body.credentials.password),
      "no password in the list",
    );
    assert.equal(listed.body[0].health.status, "UNKNOWN");

    const patched = await hub.api("PATCH", `/api/datasources/${id}`, { name: "Renamed", operatorId: "OP" });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.name, "Renamed");
    assert.equal(patched.body.operatorId, "OP");
    assert.equal(patched.body.meterId, "123");
    const badPatch = await hub.api("PATCH", `/api/datasources/${id}`, { type: "CIM" });
    assert.equal(badPatch.status, 400);
    assert.equal((await hub.api("GET", `/api/datasources/${id}`)).body.name, "Renamed");

    assert.equal((await hub.api("DELETE", `/api/datasources/${id}`)).status, 204);
    assert.equal((await hub.api("GET", `/api/datasources/${id}`)).status, 404);
    assert.equal((await hub.api("DELETE", `/api/datasources/${id}`)).status, 404);
  });

  it("answers 404 for unknown ids on every data source route", async (t) => {
    const hub = await startTestHub(t);
    const unknown = "11111111-2222-3333-4444-555555555555";
    for (const [method, path, body] of [
      ["GET", `/api/datasources/${unknown}`],
      ["PATCH", `/api/datasources/${unknown}`, { name: "x" }],
      ["DELETE", `/api/datasources/${unknown}`],
      ["POST", `/api/datasources/${unknown}/regenerate-password`],
      ["GET", `/api/datasources/${unknown}/records`],
      ["GET", `/api/datasources/${unknown}/records/latest`],
      ["GET", `/api/datasources/${unknown}/feedback`],
      ["GET", `/api/datasources/${unknown}/health`],
      ["GET", "/api/datasources/not-a-uuid"],
    ] as const) {
      const res = await hub.api(method, path, body);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.error.code, "NOT_FOUND");
    }
  });

  it("serves an OpenAPI document that names every route", async (t) => {
    const hub = await startTestHub(t);
    const doc = (await hub.api("GET", "/api/openapi.json")).body;
    assert.equal(doc.openapi, "3.1.0");
    assert.deepEqual(documentedOperations(doc), await registeredApiOperations());
    const unguarded = documentedOperations(doc).filter((op) => {
      const [method = "", path = ""] = op.split(" ");
      const responses = doc.paths[path][method.toLowerCase()].responses;
      return method !== "GET" && !("403" in responses && "415" in responses);
    });
    assert.deepEqual(unguarded, [], "every state-changing operation documents the guard's 403 and 415");
    assert.deepEqual(doc.components.schemas.NewDataSource.required.sort(), [
      "asset",
      "countryCode",
      "name",
      "type",
    ]);
  });
});

/** "GET /api/datasources/{id}" for every operation the OpenAPI document lists. */
function documentedOperations(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  const methods = new Set(["get", "post", "patch", "put", "delete"]);
  return Object.entries(doc.paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => methods.has(k))
        .map((m) => `${m.toUpperCase()} ${path}`),
    )
    .sort();
}

/** The same for every /api route the hub registers (the handlers are not called, so no context is needed). */
async function registeredApiOperations(): Promise<string[]> {
  const app = Fastify();
  const operations: string[] = [];
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      if (method !== "HEAD" && route.url.startsWith("/api/"))
        operations.push(`${method} ${route.url.replace(/:(\w+)/g, "{$1}")}`);
    }
  });
  // All of them, as the hub registers them: a route added later cannot be left out of this list.
  registerRoutes(app, {} as HttpContext, silentLogger);
  await app.ready();
  await app.close();
  return operations.sort();
}
