import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { UI_FILES, UI_PAGES } from "../../src/http/static-ui.ts";
import { uiAssets } from "../../src/http/ui-bundle.ts";
import { startTestHub } from "../helpers/hub-harness.ts";

test("the hub serves the web UI at / and index.html for app paths, without a build step", async (t) => {
  const hub = await startTestHub(t);
  const root = await fetch(`${hub.httpUrl}/`);
  assert.equal(root.status, 200);
  assert.match(root.headers.get("content-type") ?? "", /^text\/html/);
  assert.match(root.headers.get("content-security-policy") ?? "", /script-src 'self'/);
  const html = await root.text();
  assert.match(html, /<script type="module" src="\/bundle.js">/);

  const deepLink = await fetch(
    `${hub.httpUrl}/sources/0b5c2f5e-1111-4222-8333-944455556666/history?range=week`,
  );
  assert.equal(deepLink.status, 200);
  assert.equal(await deepLink.text(), html);

  const js = await fetch(`${hub.httpUrl}/bundle.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type") ?? "", /^text\/javascript/);
  const code = await js.text();
  assert.ok(code.length > 10_000, "the bundle includes the app and uPlot");
  assert.match(code, /sourceMappingURL=bundle\.js\.map/);
  const css = await fetch(`${hub.httpUrl}/bundle.css`);
  assert.equal(css.status, 200);
  assert.match(await css.text(), /\.uplot/, "uPlot's stylesheet is bundled");
  assert.equal((await fetch(`${hub.httpUrl}/bundle.js.map`)).status, 200);
  assert.equal((await fetch(`${hub.httpUrl}/favicon.svg`)).status, 200);
});

test("an unchanged asset is revalidated with its ETag (304)", async (t) => {
  const hub = await startTestHub(t);
  const first = await fetch(`${hub.httpUrl}/bundle.js`);
  const etag = first.headers.get("etag");
  assert.ok(etag);
  assert.equal(first.headers.get("cache-control"), "no-cache");
  const again = await fetch(`${hub.httpUrl}/bundle.js`, { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
});

test("the hub serves index.html on exactly the pages the UI's router knows", () => {
  const main = readFileSync(new URL("../../web/src/main.ts", import.meta.url), "utf8");
  const routed = [...main.matchAll(/^route\("([^"]+)"/gm)].map((m) => m[1]);
  assert.ok(routed.length >= 4, `found ${routed.length} routes in web/src/main.ts`);
  assert.deepEqual([...UI_PAGES].sort(), routed.sort());
});

test("the UI's routes serve exactly the files the bundle makes", async () => {
  assert.deepEqual([...(await uiAssets()).keys()].sort(), [...UI_FILES].sort());
});

test("a missing file gets the not-found page (404, index.html), and unknown /api paths still get the API's JSON errors", async (t) => {
  const hub = await startTestHub(t);
  const html = await (await fetch(`${hub.httpUrl}/`)).text();
  const anonymousFile = await fetch(`${hub.httpUrl}/nothing-here.js`);
  assert.equal(anonymousFile.status, 404);
  assert.equal(await anonymousFile.text(), html);
  const file = await fetch(`${hub.httpUrl}/nothing-here.js`, {
    headers: { authorization: `Bearer ${hub.token}` },
  });
  assert.equal(file.status, 404);
  assert.equal(await file.text(), html);

  const anonymous = await fetch(`${hub.httpUrl}/api/no-such-route`);
  assert.equal(anonymous.status, 401, "the session check runs before any UI fallback");
  const unknown = await hub.api("GET", "/api/no-such-route");
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, "NOT_FOUND");
  const list = await hub.api("GET", "/api/datasources");
  assert.equal(list.status, 200, "API routes are untouched by the UI routes");
});
