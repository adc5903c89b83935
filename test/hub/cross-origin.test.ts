import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { rawRequest } from "../helpers/raw-http.ts";

async function hubWithCookieSession(t: Parameters<typeof startTestHub>[0]) {
  const hub = await startTestHub(t);
  const port = Number(new URL(hub.httpUrl).port);
  const device = await hub.createDataSource();
  const cookie = `aiida_hub_session=${hub.token}`;
  const regenerate = (headers: Record<string, string>, body = "") =>
    rawRequest(
      port,
      `POST /api/datasources/${device.id}/regenerate-password HTTP/1.1`,
      { cookie, ...headers },
      body,
    );
  return { hub, port, device, cookie, regenerate };
}

describe("state-changing requests from other origins", () => {
  it("refuses a text/plain POST with the session cookie from another origin on the same site", async (t) => {
    const { hub, device, regenerate } = await hubWithCookieSession(t);
    const forged = await regenerate(
      { origin: "http://evil.localhost:8080", "sec-fetch-site": "same-site", "content-type": "text/plain" },
      "x",
    );
    assert.equal(forged.status, 403);
    assert.match(forged.body, /"FORBIDDEN"/);
    const device1 = await connectDevice(t, hub.mqttUrl, device);
    assert.ok(device1.connected, "the device password was not rotated");
  });

  it("refuses other origins by Origin alone, by Sec-Fetch-Site alone, and an opaque origin", async (t) => {
    const { regenerate } = await hubWithCookieSession(t);
    for (const headers of [
      { origin: "http://127.0.0.1:1" },
      { origin: "null" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ]) {
      const res = await regenerate(headers);
      assert.equal(res.status, 403, JSON.stringify(headers));
    }
  });

  it("refuses a body that is not JSON on every state-changing route, before anything happens", async (t) => {
    const { hub, port, cookie, device } = await hubWithCookieSession(t);
    for (const [type, body] of [
      ["text/plain", '{"name":"x"}'],
      ["application/x-www-form-urlencoded", "name=x"],
      ["multipart/form-data; boundary=b", "--b--"],
      ["text/plain", ""],
    ] as const) {
      const res = await rawRequest(
        port,
        `PATCH /api/datasources/${device.id} HTTP/1.1`,
        { cookie, "content-type": type },
        body,
      );
      assert.equal(res.status, 415, `${type}: ${res.body}`);
      assert.match(res.body, /Send the request body as application\/json/);
    }
    const noType = await rawRequest(port, "POST /api/datasources HTTP/1.1", { cookie }, '{"name":"x"}');
    assert.equal(noType.status, 415, "a body without a content type is refused too");
    assert.equal((await hub.api("GET", `/api/datasources/${device.id}`)).body.name, "Test meter");
  });

  it("accepts the hub's own page, JSON with a bearer token from anywhere, and bodiless requests without Origin", async (t) => {
    const { port, regenerate, device } = await hubWithCookieSession(t);
    const ownPage = await regenerate({
      origin: `http://127.0.0.1:${port}`,
      "sec-fetch-site": "same-origin",
    });
    assert.equal(ownPage.status, 200, ownPage.body);
    const curl = await regenerate({});
    assert.equal(
      curl.status,
      200,
      "a client that sends no Origin (curl with the cookie) is not a browser attack",
    );
    const bearer = await rawRequest(
      port,
      `PATCH /api/datasources/${device.id} HTTP/1.1`,
      {
        authorization: `Bearer ${(await hubWithToken(port)).token}`,
        origin: "http://elsewhere.example",
        "content-type": "application/json; charset=utf-8",
      },
      JSON.stringify({ name: "Renamed" }),
    );
    assert.equal(bearer.status, 200, bearer.body);
  });
});

async function hubWithToken(port: number): Promise<{ token: string }> {
  const res = await rawRequest(
    port,
    "POST /api/auth/login HTTP/1.1",
    { "content-type": "application/json" },
    JSON.stringify({ username: "admin", password: "test-admin-password" }),
  );
  return JSON.parse(res.body) as { token: string };
}
