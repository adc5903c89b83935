import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { capturingLogger, startTestHub, TEST_ADMIN_PASSWORD, type TestHub } from "../helpers/hub-harness.ts";
import { rawRequest } from "../helpers/raw-http.ts";

const NEW_PASSWORD = "a-new-admin-password";

/** A fresh session's token, as a second browser or script would hold it. */
async function loginToken(hub: TestHub, password = TEST_ADMIN_PASSWORD): Promise<string> {
  const res = await hub.api("POST", "/api/auth/login", { username: "admin", password }, null);
  assert.equal(res.status, 200, `login: ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

async function loginStatus(hub: TestHub, password: string): Promise<number> {
  return (await hub.api("POST", "/api/auth/login", { username: "admin", password }, null)).status;
}

async function sessionAlive(hub: TestHub, token: string): Promise<boolean> {
  const status = (await hub.api("GET", "/api/auth/me", undefined, token)).status;
  assert.ok(status === 200 || status === 401, `GET /api/auth/me answered ${status}`);
  return status === 200;
}

/** PUT /api/auth/password over a raw connection, so a test chooses the source address and headers. */
function changeFrom(
  hub: TestHub,
  from: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = { authorization: `Bearer ${hub.token}` },
) {
  return rawRequest(
    Number(new URL(hub.httpUrl).port),
    "PUT /api/auth/password HTTP/1.1",
    { "content-type": "application/json", ...headers },
    JSON.stringify(body),
    from,
  );
}

describe("changing the admin password (PUT /api/auth/password)", () => {
  it("answers 204, takes the new password, refuses the old one, and logs out every other session but the caller's", async (t) => {
    const logger = capturingLogger();
    const hub = await startTestHub(t, { logger });
    const otherBrowser = await loginToken(hub);
    const script = await loginToken(hub);

    const changed = await hub.api("PUT", "/api/auth/password", {
      currentPassword: TEST_ADMIN_PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    assert.equal(changed.status, 204);
    assert.equal(changed.body, undefined, "no body");

    assert.equal(await sessionAlive(hub, hub.token), true, "the caller stays logged in");
    assert.equal(await sessionAlive(hub, otherBrowser), false, "another session is logged out");
    assert.equal(await sessionAlive(hub, script), false, "every other session is logged out");
    assert.equal((await hub.api("GET", "/api/datasources")).status, 200, "the caller can go on working");

    assert.equal(await loginStatus(hub, TEST_ADMIN_PASSWORD), 401, "the old password is refused");
    assert.equal(await loginStatus(hub, NEW_PASSWORD), 200, "the new password logs in");

    const said = logger.events.filter((e) => e.message === "admin password changed");
    assert.equal(said.length, 1);
    assert.equal(said[0]?.level, "info");
    assert.equal(said[0]?.fields?.username, "admin");
    assert.equal(said[0]?.fields?.otherSessionsEnded, 2);
    const logged = JSON.stringify(logger.events);
    for (const secret of [TEST_ADMIN_PASSWORD, NEW_PASSWORD, hub.token, otherBrowser, script])
      assert.equal(logged.includes(secret), false, "no password or token is logged");
  });

  it("refuses bad input with a precise field error, changes nothing and counts no failed login", async (t) => {
    const hub = await startTestHub(t);
    const otherBrowser = await loginToken(hub);
    const cases: Array<[string, unknown, Array<{ path: string; reason: string }>]> = [
      [
        "too short",
        { currentPassword: TEST_ADMIN_PASSWORD, newPassword: "elevenchars" },
        [{ path: "newPassword", reason: "must be at least 12 characters long" }],
      ],
      [
        "the current one again",
        { currentPassword: TEST_ADMIN_PASSWORD, newPassword: TEST_ADMIN_PASSWORD },
        [{ path: "newPassword", reason: "must differ from the current password" }],
      ],
      [
        "no current password",
        { newPassword: NEW_PASSWORD },
        [{ path: "currentPassword", reason: "Invalid input: expected string, received undefined" }],
      ],
      [
        "an empty current password",
        { currentPassword: "", newPassword: NEW_PASSWORD },
        [{ path: "currentPassword", reason: "must not be empty" }],
      ],
      [
        "a number for a password",
        { currentPassword: TEST_ADMIN_PASSWORD, newPassword: 123456789012 },
        [{ path: "newPassword", reason: "Invalid input: expected string, received number" }],
      ],
      [
        "an unknown field",
        { currentPassword: TEST_ADMIN_PASSWORD, newPassword: NEW_PASSWORD, repeatPassword: NEW_PASSWORD },
        [{ path: "$", reason: "unknown field(s): repeatPassword" }],
      ],
      [
        "a wrong current password with a short new one",
        { currentPassword: "wrong", newPassword: "short" },
        [{ path: "newPassword", reason: "must be at least 12 characters long" }],
      ],
    ];
    // More than the five failures an address may have: none of these may count as one.
    for (const [what, body, details] of [...cases, ...cases]) {
      const res = await hub.api("PUT", "/api/auth/password", body);
      assert.equal(res.status, 400, what);
      assert.equal(res.body.error.code, "VALIDATION_FAILED", what);
      assert.deepEqual(res.body.error.details, details, what);
    }
    assert.equal(await sessionAlive(hub, otherBrowser), true, "no session was logged out");
    assert.equal(await loginStatus(hub, NEW_PASSWORD), 401);
    assert.equal(await loginStatus(hub, TEST_ADMIN_PASSWORD), 200, "the password is unchanged");
  });

  it("answers a wrong current password with 403 naming the field, and counts it as a failed login", async (t) => {
    const logger = capturingLogger();
    const hub = await startTestHub(t, { logger });
    const otherBrowser = await loginToken(hub);
    const port = Number(new URL(hub.httpUrl).port);
    const attacker = "127.0.0.7";
    const wrongLogin = (i: number) =>
      rawRequest(
        port,
        "POST /api/auth/login HTTP/1.1",
        { "content-type": "application/json" },
        JSON.stringify({ username: "admin", password: `login-guess-${i}` }),
        attacker,
      );

    // Two wrong logins and three wrong current passwords from one address: five failures together.
    for (const i of [1, 2]) assert.equal((await wrongLogin(i)).status, 401);
    for (const i of [1, 2, 3]) {
      const res = await changeFrom(hub, attacker, {
        currentPassword: `change-guess-${i}`,
        newPassword: NEW_PASSWORD,
      });
      assert.equal(res.status, 403, `guess ${i}: ${res.body}`);
      assert.deepEqual(JSON.parse(res.body), {
        error: {
          code: "FORBIDDEN",
          message: "The current password is wrong, so the password was not changed.",
          details: [{ path: "currentPassword", reason: "is not the current password" }],
        },
      });
    }
    // The address now waits, for the right password too, on both routes.
    const held = await changeFrom(hub, attacker, {
      currentPassword: TEST_ADMIN_PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    assert.equal(held.status, 429, held.body);
    assert.match(held.body, /Too many wrong passwords; try again in \d+ s\./);
    assert.ok(
      Number(held.headers.get("retry-after")) >= 1,
      `Retry-After: ${held.headers.get("retry-after")}`,
    );
    assert.equal((await wrongLogin(3)).status, 429, "the login from that address waits as well");

    assert.equal(await sessionAlive(hub, otherBrowser), true, "no session was logged out");
    assert.equal(await loginStatus(hub, TEST_ADMIN_PASSWORD), 200, "the password is unchanged");
    const refused = logger.events.filter(
      (e) => e.message === "admin password change refused: wrong current password",
    );
    assert.equal(refused.length, 3);
    assert.equal(refused[0]?.fields?.address, attacker);
    assert.equal(logger.events.filter((e) => e.message === "admin logins throttled").length, 1);
    assert.equal(JSON.stringify(logger.events).includes("guess-"), false, "no tried password is logged");
  });

  it("is guarded like every other write: no cross-origin cookie request, no body that is not JSON, no session no change", async (t) => {
    const hub = await startTestHub(t);
    const cookie = `aiida_hub_session=${hub.token}`;
    const body = { currentPassword: TEST_ADMIN_PASSWORD, newPassword: NEW_PASSWORD };

    const forged = await changeFrom(hub, "127.0.0.1", body, { cookie, origin: "http://evil.example" });
    assert.equal(forged.status, 403);
    assert.match(forged.body, /Requests from another origin may not change anything here/);

    const port = Number(new URL(hub.httpUrl).port);
    const plain = await rawRequest(
      port,
      "PUT /api/auth/password HTTP/1.1",
      { cookie, "content-type": "text/plain" },
      JSON.stringify(body),
    );
    assert.equal(plain.status, 415);

    const anonymous = await hub.api("PUT", "/api/auth/password", body, null);
    assert.equal(anonymous.status, 401);

    assert.equal(await loginStatus(hub, TEST_ADMIN_PASSWORD), 200, "none of them changed the password");

    // The same cookie from the hub's own page does change it.
    const own = await changeFrom(hub, "127.0.0.1", body, { cookie, origin: hub.httpUrl });
    assert.equal(own.status, 204, own.body);
    assert.equal(await loginStatus(hub, NEW_PASSWORD), 200);
  });

  it("is in the OpenAPI document with its body, its 403 for a wrong current password and the guard's answers", async (t) => {
    const hub = await startTestHub(t);
    const doc = (await hub.api("GET", "/api/openapi.json")).body;
    const put = doc.paths["/api/auth/password"].put;
    assert.deepEqual(Object.keys(put.responses).sort(), ["204", "400", "401", "403", "415", "429"]);
    assert.match(put.responses["403"].description, /currentPassword is wrong/);
    const schema = doc.components.schemas.PasswordChange;
    assert.deepEqual(schema.required.sort(), ["currentPassword", "newPassword"]);
    assert.equal(schema.properties.newPassword.minLength, 12);
  });
});
