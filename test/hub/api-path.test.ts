import assert from "node:assert/strict";
import { test } from "node:test";
import { mayReachApi } from "../../src/http/api-path.ts";

test("a path with a segment that reads 'api', in any spelling, may reach the API", () => {
  for (const target of [
    "/api",
    "/api/x",
    "/API/x",
    "//api/x",
    "/api/%2e%2e/x",
    "/%61pi/x",
    "/%2561pi/x",
    "/%252561pi/x",
    "/x/../api/x",
    "/api;x=1/y",
    "/api%2Fx",
    "\\api\\x",
    "http://hub.example/api/x",
    "/api./x",
    "/ api/x",
  ]) {
    assert.equal(mayReachApi(target), true, target);
  }
});

test("other paths are pages, whatever their query says", () => {
  for (const target of [
    "/",
    "/no/such/page",
    "/apiary",
    "/capital",
    "/x?api",
    "/x?/api/x",
    "/x#/api",
    "/rapid-api-x",
  ]) {
    assert.equal(mayReachApi(target), false, target);
  }
});

test("a path still changing after many rounds of decoding counts as the API's", () => {
  // "x" escaped, then the escape's "%" escaped again, 12 times over: no router decodes that far.
  let escaped = "%78";
  for (let i = 0; i < 12; i++) escaped = `%25${escaped.slice(1)}`;
  assert.equal(mayReachApi(`/${escaped}`), true);
  assert.equal(mayReachApi("/%2578"), false, "two rounds are decoded as any others");
});
