import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, it } from "node:test";
import { startTestHub, TEST_ADMIN_PASSWORD, tempDataDir } from "../helpers/hub-harness.ts";
import { type CommandResult, runHubCommand, spawnHub } from "../helpers/hub-process.ts";

/** The password the command printed, after checking that stdout is its two lines and nothing else. */
function printedPassword(result: CommandResult): string {
  assert.equal(result.code, 0, `exit code; stderr: ${result.stderr}`);
  const lines = result.stdout.split("\n");
  assert.equal(lines.length, 3, `two lines and the final newline: ${JSON.stringify(result.stdout)}`);
  const match = /^Admin password reset\. Username: admin {2}Password: ([0-9A-Za-z]{20})$/.exec(
    lines[0] ?? "",
  );
  assert.ok(match?.[1], `the first line holds the password: ${lines[0]}`);
  assert.match(lines[1] ?? "", /^Log in with it on the hub's web page \(or POST \/api\/auth\/login\);/);
  assert.equal(result.stderr.includes(match[1]), false, "the password is not in the log");
  return match[1];
}

async function login(httpUrl: string, password: string): Promise<Response> {
  return fetch(`${httpUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password }),
  });
}

async function loginToken(httpUrl: string, password: string): Promise<string> {
  const res = await login(httpUrl, password);
  assert.equal(res.status, 200, "login");
  return ((await res.json()) as { token: string }).token;
}

async function meStatus(httpUrl: string, token: string): Promise<number> {
  return (await fetch(`${httpUrl}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe("aiida-hub reset-admin-password", () => {
  it("resets the password of a running hub: the old one is refused, the printed one works, its sessions are logged out", async (t) => {
    const dataDir = tempDataDir(t);
    const hub = await spawnHub(t, ["--data-dir", dataDir, "--http-port", "0", "--mqtt-port", "0"]);
    const browser = await loginToken(hub.httpUrl, TEST_ADMIN_PASSWORD);
    const script = await loginToken(hub.httpUrl, TEST_ADMIN_PASSWORD);
    assert.equal(await meStatus(hub.httpUrl, browser), 200);

    const result = await runHubCommand(["reset-admin-password", "--data-dir", dataDir]);
    const password = printedPassword(result);
    assert.match(result.stdout, /2 sessions were logged out\.\n$/);
    const record = result.stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      record.map((r) => [r.msg, r.sessionsEnded, r.dataDir]),
      [["admin password reset from the command line", 2, dataDir]],
    );

    assert.equal(hub.child.exitCode, null, "the hub runs on");
    assert.equal(await meStatus(hub.httpUrl, browser), 401, "the hub's existing session is logged out");
    assert.equal(await meStatus(hub.httpUrl, script), 401, "every session is logged out");
    assert.equal((await login(hub.httpUrl, TEST_ADMIN_PASSWORD)).status, 401, "the old password is refused");
    const fresh = await loginToken(hub.httpUrl, password);
    assert.equal(await meStatus(hub.httpUrl, fresh), 200, "the printed password logs in");
    assert.equal(hub.output().includes(password), false, "the hub never saw the password");

    // A second reset makes another password and logs out the session the first one allowed.
    const again = printedPassword(await runHubCommand(["reset-admin-password", "--data-dir", dataDir]));
    assert.notEqual(again, password);
    assert.equal(await meStatus(hub.httpUrl, fresh), 401);
    assert.equal((await login(hub.httpUrl, password)).status, 401);
    assert.equal((await login(hub.httpUrl, again)).status, 200);
  });

  it("resets a stopped hub's password, finding the data directory by AIIDA_HUB_DATA_DIR relative to where it runs", async (t) => {
    const dataDir = join(tempDataDir(t), "hub-data");
    const first = await startTestHub(t, { dataDir });
    await first.stop();

    const result = await runHubCommand(
      ["reset-admin-password"],
      { AIIDA_HUB_DATA_DIR: basename(dataDir) },
      dirname(dataDir),
    );
    const password = printedPassword(result);
    assert.match(result.stdout, /1 session was logged out\.\n$/, "the harness's login session");

    // spawnHub sets AIIDA_HUB_ADMIN_PASSWORD to the old password: the account exists, so it is ignored.
    const hub = await spawnHub(t, ["--data-dir", dataDir, "--http-port", "0", "--mqtt-port", "0"]);
    assert.equal((await login(hub.httpUrl, TEST_ADMIN_PASSWORD)).status, 401);
    assert.equal((await login(hub.httpUrl, password)).status, 200);
    hub.child.kill("SIGTERM");
    await once(hub.child, "exit");
  });

  it("refuses a data directory without a hub database with one sentence, and creates nothing", async (t) => {
    const parent = tempDataDir(t);
    const missing = join(parent, "never-started");
    const empty = join(parent, "empty");
    mkdirSync(empty);
    const notSqlite = join(parent, "not-sqlite");
    mkdirSync(notSqlite);
    writeFileSync(join(notSqlite, "aiida-hub.sqlite"), "not a database\n");

    for (const dir of [missing, empty]) {
      const result = await runHubCommand(["reset-admin-password", "--data-dir", dir]);
      assert.equal(result.code, 2, dir);
      assert.equal(result.stdout, "", "no password is printed");
      assert.equal(result.stderr, `aiida-hub: no hub database in ${dir}: start the hub once first\n`);
    }
    const result = await runHubCommand(["reset-admin-password"], { AIIDA_HUB_DATA_DIR: notSqlite });
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      `aiida-hub: ${join(notSqlite, "aiida-hub.sqlite")} is not a SQLite database, so not the hub's; check --data-dir\n`,
    );
    assert.deepEqual(
      readdirSync(parent).sort(),
      ["empty", "not-sqlite"],
      "the missing directory was not made",
    );
    assert.deepEqual(readdirSync(empty), [], "no database was created");
    assert.deepEqual(readdirSync(notSqlite), ["aiida-hub.sqlite"]);
  });
});
