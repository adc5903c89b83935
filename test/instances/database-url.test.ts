import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { spawnHub, spawnHubExpectingFailure } from "../helpers/hub-process.ts";
import { freshDatabase } from "../helpers/postgres.ts";

const PASSWORD = "s3cret-Pw";

describe("aiida-hub start --database-url", () => {
  test("runs on the PostgreSQL database, names it in the log, and never shows its password", async (t) => {
    const database = await freshDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), "aiida-hub-pg-"));
    t.after(async () => {
      rmSync(dataDir, { recursive: true, force: true });
      await database.drop();
    });
    // The local server trusts every login, so the password is carried but not checked.
    const url = new URL(database.url);
    url.password = PASSWORD;
    const hub = await spawnHub(t, ["--data-dir", dataDir, "--http-port", "0", "--mqtt-port", "0"], {
      AIIDA_HUB_DATABASE_URL: url.toString(),
    });
    assert.match(
      hub.output(),
      new RegExp(`"database":"postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:5432/${database.name}"`),
    );
    assert.equal(hub.output().includes(PASSWORD), false);
    assert.deepEqual(readdirSync(dataDir), ["aiida-hub-secret.key"], "no SQLite file beside the key file");
    hub.child.kill("SIGTERM");
  });

  test("an unreachable server or a URL that is not PostgreSQL's stops the start with one sentence, without the password", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aiida-hub-pg-"));
    try {
      const unreachable = await spawnHubExpectingFailure([
        "--data-dir",
        dataDir,
        "--http-port",
        "0",
        "--mqtt-port",
        "0",
        "--database-url",
        `postgres://aiida:${PASSWORD}@127.0.0.1:1/aiida`,
      ]);
      assert.equal(unreachable.code, 2);
      assert.match(
        unreachable.output,
        /cannot use the PostgreSQL database postgres:\/\/aiida:\*\*\*@127\.0\.0\.1:1\/aiida \(--database-url\)/,
      );
      assert.equal(unreachable.output.includes(PASSWORD), false);
      const notPostgres = await spawnHubExpectingFailure([
        "--data-dir",
        dataDir,
        "--database-url",
        `mysql://aiida:${PASSWORD}@db/aiida`,
      ]);
      assert.equal(notPostgres.code, 2);
      assert.match(notPostgres.output, /--database-url must start with postgres:\/\/ or postgresql:\/\//);
      assert.equal(notPostgres.output.includes(PASSWORD), false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
