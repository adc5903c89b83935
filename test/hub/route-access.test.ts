import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Fastify from "fastify";
import type { HttpContext } from "../../src/http/http-context.ts";
import { registerRoutes } from "../../src/http/http-server.ts";
import { silentLogger } from "../../src/platform/logger.ts";
import { AdminAuth } from "../../src/services/admin-auth.ts";
import { CIM_SOURCE, startTestHub } from "../helpers/hub-harness.ts";
import { rawRequest } from "../helpers/raw-http.ts";

interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  readonly isPublic: boolean;
}

/** Every route the hub registers, with whether it was declared public (handlers are not called). */
async function registeredRoutes(): Promise<RegisteredRoute[]> {
  const app = Fastify();
  const routes: RegisteredRoute[] = [];
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      if (method !== "HEAD")
        routes.push({ method, url: route.url, isPublic: route.config?.access === "public" });
    }
  });
  registerRoutes(app, {} as HttpContext, silentLogger);
  await app.ready();
  await app.close();
  return routes;
}

/** Ways of writing the same path that a router may decode or normalise; `host` is the hub's address. */
function spellingsOf(path: string, host: string): Array<[string, string]> {
  const [, first = "", ...rest] = path.split("/");
  const tail = rest.length > 0 ? `/${rest.join("/")}` : "";
  const escapeLetter = (segment: string) =>
    segment.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
  const escapeAll = (segment: string) =>
    segment.replace(/[a-z]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return [
    ["as registered", path],
    ["first letter escaped", `/${escapeLetter(first)}${tail}`],
    ["every letter escaped", `/${escapeAll(first)}${rest.map((s) => `/${escapeAll(s)}`).join("")}`],
    ["last segment escaped", path.replace(/\/([^/]+)$/, (_, s: string) => `/${escapeLetter(s)}`)],
    ["absolute form", `http://${host}${path}`],
    ["absolute form, other host", `http://attacker.example${path}`],
    ["absolute form, upper-case scheme", `HTTP://${host}${path}`],
    ["leading double slash", `/${path}`],
    ["inner double slash", `/${first}/${tail}`],
    ["dot segment", `/${first}/.${tail}`],
    ["dot-dot segment", `/x/..${path}`],
    ["escaped dot-dot segment", `/x/%2e%2e${path}`],
    ["escaped slash", `/${first}%2F${rest.join("%2F")}`],
    ["backslash", `/${first}\\${rest.join("\\")}`],
    ["upper case", path.toUpperCase()],
    ["capitalised", `/${first.charAt(0).toUpperCase()}${first.slice(1)}${tail}`],
    ["trailing slash", `${path}/`],
    ["trailing dot", `${path}/.`],
    ["semicolon parameter", `${path};x=1`],
    ["semicolon in the first segment", `/${first};x=1${tail}`],
    ["query string", `${path}?x=1`],
    ["empty query", `${path}?`],
    ["fragment", `${path}#x`],
  ];
}

describe("who may use a route", () => {
  it("only the login, health, OpenAPI, CA certificate and web UI routes are public", async () => {
    const routes = await registeredRoutes();
    assert.ok(routes.length > 15, `found ${routes.length} routes`);
    const publicRoutes = routes.filter((r) => r.isPublic).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(publicRoutes.sort(), [
      "GET /",
      "GET /api/health",
      "GET /api/openapi.json",
      "GET /api/tls/ca-certificate",
      "GET /bundle.css",
      "GET /bundle.css.map",
      "GET /bundle.js",
      "GET /bundle.js.map",
      "GET /favicon.svg",
      "GET /index.html",
      "GET /login",
      "GET /permissions",
      "GET /permissions/:id",
      "GET /sources",
      "GET /sources/:id",
      "GET /sources/:id/history",
      "POST /api/auth/login",
    ]);
  });

  it("every private route answers 401 without a session, however its path is spelled", async (t) => {
    const hub = await startTestHub(t);
    const device = await hub.createDataSource({ name: "Secret meter name" });
    const httpPort = Number(new URL(hub.httpUrl).port);
    const host = `127.0.0.1:${httpPort}`;
    const routes = (await registeredRoutes()).filter((r) => !r.isPublic);
    const failures: string[] = [];
    let checked = 0;
    for (const route of routes) {
      const path = route.url.replace(":id", device.id);
      for (const [spelling, target] of spellingsOf(path, host)) {
        const withBody = route.method !== "GET" && route.method !== "DELETE";
        const res = await rawRequest(
          httpPort,
          `${route.method} ${target} HTTP/1.1`,
          withBody ? { "content-type": "application/json" } : {},
          withBody ? "{}" : "",
        );
        checked += 1;
        const leaked = res.body.includes(device.id) || res.body.includes("Secret meter name");
        if (res.status !== 401 || leaked || !res.body.includes('"UNAUTHENTICATED"')) {
          failures.push(`${route.method} ${target} (${spelling}) → ${res.status} ${res.body.slice(0, 120)}`);
        }
      }
    }
    assert.ok(checked >= routes.length * 20, `checked ${checked} requests`);
    assert.deepEqual(failures, [], `${failures.length} requests got through without a session`);

    // The same canonical requests do reach their routes with a session: the table tests real routes.
    const list = await rawRequest(httpPort, "GET /api/datasources HTTP/1.1", {
      authorization: `Bearer ${hub.token}`,
    });
    assert.equal(list.status, 200);
    assert.ok(list.body.includes(device.id));
  });

  it("an unknown API path answers 401 without a session and 404 JSON with one, however it is spelled", async (t) => {
    const hub = await startTestHub(t);
    const httpPort = Number(new URL(hub.httpUrl).port);
    const host = `127.0.0.1:${httpPort}`;
    const failures: string[] = [];
    const targets = [
      ...spellingsOf("/api/no-such-route", host),
      ...spellingsOf("/api/datasources/x/no-such-part", host),
      ["upper-case prefix", "/API/x"],
      ["doubled slash before api", "//api/x"],
      ["escaped dot-dot after api", "/api/%2e%2e/x"],
      ["escaped twice", "/%2561pi/x"],
      ["dot-dot back into api", "/no/such/../../api/x"],
      ["api alone", "/api"],
    ];
    for (const [spelling, target] of targets) {
      const anonymous = await rawRequest(httpPort, `GET ${target} HTTP/1.1`);
      if (anonymous.status !== 401 || !anonymous.body.includes('"UNAUTHENTICATED"'))
        failures.push(
          `${target} (${spelling}) without a session → ${anonymous.status} ${anonymous.body.slice(0, 80)}`,
        );
      const known = await rawRequest(httpPort, `GET ${target} HTTP/1.1`, {
        authorization: `Bearer ${hub.token}`,
      });
      if (known.status !== 404 || !known.body.includes('"NOT_FOUND"'))
        failures.push(`${target} (${spelling}) with a session → ${known.status} ${known.body.slice(0, 80)}`);
    }
    assert.deepEqual(failures, [], `${failures.length} of ${targets.length * 2} requests`);
  });

  it("any other unknown path gets the web UI's page with status 404, with or without a session, carrying no data", async (t) => {
    const hub = await startTestHub(t);
    const device = await hub.createDataSource({ name: "Secret meter name" });
    const httpPort = Number(new URL(hub.httpUrl).port);
    const index = await rawRequest(httpPort, "GET / HTTP/1.1");
    assert.equal(index.status, 200);
    const unknown = [
      "/no/such/page",
      "/nothing.js",
      "//",
      "/%2e%2e/etc/passwd",
      "/sourcez",
      `/sources/${device.id}/no-such-tab`,
      "/apiary",
      "/capital/x?api=1",
      "/login/x",
    ];
    for (const target of unknown) {
      for (const headers of [{}, { authorization: `Bearer ${hub.token}` }]) {
        const res = await rawRequest(httpPort, `GET ${target} HTTP/1.1`, headers);
        const who = `${target} ${"authorization" in headers ? "with" : "without"} a session`;
        assert.equal(res.status, 404, who);
        assert.match(res.headers.get("content-type") ?? "", /^text\/html/, who);
        assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self'/, who);
        assert.equal(res.body, index.body, `${who}: the page is the UI's own index.html`);
        assert.ok(!res.body.includes(device.id) && !res.body.includes("Secret meter name"), who);
      }
    }
    // An ETag from a good page does not turn a missing one into "not modified".
    const etag = index.headers.get("etag") ?? "";
    const revalidated = await rawRequest(httpPort, "GET /no/such/page HTTP/1.1", { "if-none-match": etag });
    assert.equal(revalidated.status, 404);
    // Other methods on an unknown path get the API's JSON 404, session or not.
    const post = await rawRequest(
      httpPort,
      "POST /no/such/page HTTP/1.1",
      { "content-type": "application/json" },
      "{}",
    );
    assert.equal(post.status, 404);
    assert.match(post.body, /"NOT_FOUND"/);
  });
});

describe("the session of a request", () => {
  it("is looked up once per request, not again by the route", async (t) => {
    const hub = await startTestHub(t);
    const device = await hub.createDataSource();
    const lookups = t.mock.method(AdminAuth.prototype, "userOf");
    for (const path of [
      "/api/auth/me",
      "/api/datasources",
      "/api/permissions",
      `/api/datasources/${device.id}`,
    ]) {
      lookups.mock.resetCalls();
      const res = await hub.api("GET", path);
      assert.equal(res.status, 200, path);
      assert.equal(lookups.mock.callCount(), 1, path);
    }
    lookups.mock.resetCalls();
    assert.equal((await hub.api("POST", "/api/datasources", CIM_SOURCE)).status, 201);
    assert.equal(lookups.mock.callCount(), 1, "POST /api/datasources reads the owner from the request");
  });

  it("is not looked up for the public routes", async (t) => {
    const hub = await startTestHub(t);
    const lookups = t.mock.method(AdminAuth.prototype, "userOf");
    for (const path of ["/api/health", "/", "/bundle.js"]) {
      const res = await fetch(`${hub.httpUrl}${path}`, { headers: { authorization: `Bearer ${hub.token}` } });
      assert.equal(res.status, 200, path);
    }
    assert.equal(lookups.mock.callCount(), 0);
  });
});
