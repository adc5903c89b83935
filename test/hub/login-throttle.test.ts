import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { capturingLogger, startTestHub, TEST_ADMIN_PASSWORD } from "../helpers/hub-harness.ts";
import { rawRequest } from "../helpers/raw-http.ts";

function login(port: number, password: string, from: string) {
  return rawRequest(
    port,
    "POST /api/auth/login HTTP/1.1",
    { "content-type": "application/json" },
    JSON.stringify({ username: "admin", password }),
    from,
  );
}

describe("admin login throttling", () => {
  it("answers 429 with Retry-After once an address has failed five times, even for the right password", async (t) => {
    const logger = capturingLogger();
    const hub = await startTestHub(t, { logger });
    const port = Number(new URL(hub.httpUrl).port);
    for (let i = 1; i <= 5; i += 1) {
      const wrong = await login(port, `guess-${i}`, "127.0.0.7");
      assert.equal(wrong.status, 401, `guess ${i}`);
    }
    const held = await login(port, TEST_ADMIN_PASSWORD, "127.0.0.7");
    assert.equal(held.status, 429);
    assert.match(held.body, /"TOO_MANY_REQUESTS"/);
    assert.match(held.body, /Too many failed logins; try again in \d+ s\./);
    const retryAfter = Number(held.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 300, `Retry-After: ${held.headers.get("retry-after")}`);

    const elsewhere = await login(port, TEST_ADMIN_PASSWORD, "127.0.0.8");
    assert.equal(elsewhere.status, 200, "another address still logs in");

    const throttled = logger.events.filter((e) => e.message === "admin logins throttled");
    assert.equal(throttled.length, 1);
    assert.equal(throttled[0]?.fields?.address, "127.0.0.7");
    assert.equal(throttled[0]?.fields?.limitedBy, "address");
    assert.equal(logger.events.filter((e) => e.message === "admin login failed").length, 5);
    assert.ok(!JSON.stringify(logger.events).includes("guess-"), "no tried password is logged");
  });

  it("checks no more than five of twenty guesses sent at once from one address", async (t) => {
    const hub = await startTestHub(t);
    const port = Number(new URL(hub.httpUrl).port);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login(port, `parallel-guess-${i}`, "127.0.0.9")),
    );
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [...Array(5).fill(401), ...Array(15).fill(429)]);
  });

  it("holds every new address after many failures against the account, but not one that logged in before", async (t) => {
    const hub = await startTestHub(t);
    const port = Number(new URL(hub.httpUrl).port);
    // The harness logged in from 127.0.0.1 already; the attacker spreads over addresses below any per-address limit.
    for (let i = 0; i < 12; i += 1) await login(port, `guess-${i}`, `127.0.1.${i + 1}`);
    const stranger = await login(port, TEST_ADMIN_PASSWORD, "127.0.2.1");
    assert.equal(stranger.status, 429);
    assert.ok(Number(stranger.headers.get("retry-after")) <= 30, "an account is held 30 s at most");
    const home = await login(port, TEST_ADMIN_PASSWORD, "127.0.0.1");
    assert.equal(home.status, 200, "the admin's own address is not locked out");
  });
});
