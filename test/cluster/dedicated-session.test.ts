import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openDedicatedSession } from "../../src/cluster/dedicated-session.ts";
import { type FreshDatabase, freshDatabase } from "../helpers/postgres.ts";

describe("a dedicated session", () => {
  let db: FreshDatabase;
  before(async () => {
    db = await freshDatabase();
  });
  after(async () => {
    await db.drop();
  });

  it("carries its timeouts from the start", async () => {
    const session = await openDedicatedSession(db.url, {
      applicationName: "settings check",
      idleSessionTimeoutMs: 7000,
      statementTimeoutMs: 1200,
    });
    try {
      const show = async (name: string) => (await session.query(`SHOW ${name}`)).rows[0]?.[name];
      assert.equal(await show("idle_session_timeout"), "7s");
      assert.equal(await show("statement_timeout"), "1200ms");
      assert.equal(await show("application_name"), "settings check");
    } finally {
      await session.end();
    }
  });

  it("is ended by the server once it stays silent longer than its idle timeout", async () => {
    const session = await openDedicatedSession(db.url, {
      applicationName: "idle check",
      idleSessionTimeoutMs: 300,
      statementTimeoutMs: 200,
    });
    const startedAt = performance.now();
    const errors: string[] = [];
    session.on("error", (error: Error & { code?: string }) => errors.push(error.code ?? error.message));
    await new Promise((resolve) => session.once("end", resolve));
    assert.ok(performance.now() - startedAt >= 250, "not before its idle timeout");
    // 57P05: idle_session_timeout, the server's own doing.
    assert.equal(errors[0], "57P05");
    await assert.rejects(session.query("SELECT 1"));
  });
});
