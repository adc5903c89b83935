import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type pg from "pg";
import { LeaderLock } from "../../src/cluster/leader-lock.ts";
import { migratePostgres } from "../../src/storage/postgres/migrations.ts";
import { openPgPool } from "../../src/storage/postgres/pg-pool.ts";
import { type FreshDatabase, freshDatabase } from "../helpers/postgres.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { LEADER_KEY, recordStep, STEP_INTERVAL_MS, STEP_LOG_DDL } from "./leader-steps.ts";
import { spawnClusterChild } from "./spawn-child.ts";

/** Backend pids holding the job's advisory lock. */
async function lockHolders(pool: pg.Pool, key: number): Promise<number[]> {
  const result = await pool.query<{ pid: number }>(
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
        AND ((classid::bigint << 32) | objid::bigint) = $1
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [key],
  );
  return result.rows.map((row) => row.pid);
}

/** A lock with its events, for the in-process cases. */
function instance(url: string, holder: string, key: number) {
  const events: string[] = [];
  const lock = new LeaderLock({
    url,
    key,
    holder,
    onAcquired: (term) => events.push(`acquired ${term}`),
    onLost: () => events.push("lost"),
  });
  return { lock, events };
}

describe("LeaderLock", () => {
  let db: FreshDatabase;
  let pool: pg.Pool;

  before(async () => {
    db = await freshDatabase();
    pool = openPgPool(db.url);
    await migratePostgres(pool);
    await pool.query(STEP_LOG_DDL);
  });

  after(async () => {
    await pool.end();
    await db.drop();
  });

  it("makes exactly one of two instances leader; the other runs no step", async () => {
    const key = 101;
    const a = instance(db.url, "a", key);
    const b = instance(db.url, "b", key);
    a.lock.start();
    b.lock.start();
    try {
      await waitFor(() => a.lock.isLeader() || b.lock.isLeader(), "a leader");
      const [leader, standby] = a.lock.isLeader() ? [a, b] : [b, a];
      // The standby has tried (and failed) at least once: its session exists and it is not among the holders.
      await waitFor(async () => (await lockHolders(pool, key)).length === 1, "one holder");
      assert.equal(standby.lock.isLeader(), false);
      assert.deepEqual(leader.events, ["acquired 1"]);
      assert.deepEqual(standby.events, []);
      let ran = false;
      assert.equal(
        await standby.lock.runIfLeader(async () => {
          ran = true;
        }),
        undefined,
      );
      assert.equal(ran, false);
      assert.equal(await leader.lock.runIfLeader(async (fence) => fence.term), 1);
    } finally {
      await a.lock.stop();
      await b.lock.stop();
    }
  });

  it("hands over within 2 s when the leader's session is terminated, with the next term", async () => {
    const key = 102;
    const a = instance(db.url, "a", key);
    const b = instance(db.url, "b", key);
    a.lock.start();
    await waitFor(() => a.lock.isLeader(), "a leads");
    b.lock.start();
    try {
      const [pid] = await lockHolders(pool, key);
      const killedAt = performance.now();
      await pool.query("SELECT pg_terminate_backend($1)", [pid]);
      await waitFor(() => b.lock.isLeader(), "b leads", 2000);
      assert.ok(performance.now() - killedAt < 2000);
      assert.equal(a.lock.isLeader(), false);
      assert.deepEqual(a.events, ["acquired 1", "lost"]);
      assert.deepEqual(b.events, ["acquired 2"]);
    } finally {
      await a.lock.stop();
      await b.lock.stop();
    }
  });

  it("refuses a lease that would outlast the server's idle timeout", () => {
    assert.throws(
      () => new LeaderLock({ url: db.url, key: 1, holder: "x", leaseMs: 8000, idleSessionTimeoutMs: 8000 }),
      /leaseMs \(8000\) must be less than idleSessionTimeoutMs \(8000\)/,
    );
  });

  it("hands over within 2 s when the leading process is killed", async (t) => {
    await pool.query("DELETE FROM step_log");
    const child = spawnClusterChild(t, "leader", db.url, "child");
    await waitFor(() => child.lines.includes("step"), "the child leading and running steps", 15_000);
    const parent = instance(db.url, "parent", LEADER_KEY);
    parent.lock.start();
    try {
      const killedAt = performance.now();
      child.process.kill("SIGKILL");
      await waitFor(() => parent.lock.isLeader(), "the parent leads", 2000);
      assert.ok(performance.now() - killedAt < 2000);
    } finally {
      await parent.lock.stop();
    }
  });

  it("hands over within 15 s when the leading process is frozen; woken, it knows it lost before running a step", async (t) => {
    await pool.query("DELETE FROM step_log");
    const child = spawnClusterChild(t, "leader", db.url, "child");
    await waitFor(
      async () => {
        const rows = await pool.query("SELECT 1 FROM step_log WHERE holder = 'child'");
        return rows.rows.length >= 3;
      },
      "the child leading and running steps",
      15_000,
    );
    const parent = instance(db.url, "parent", LEADER_KEY);
    parent.lock.start();
    let parentSteps = 0;
    const stepper = setInterval(() => {
      parent.lock
        .runIfLeader((fence) => recordStep(pool, "parent", fence))
        .then((done) => {
          if (done) parentSteps += 1;
        })
        .catch(() => {});
    }, STEP_INTERVAL_MS);
    try {
      const frozenAt = performance.now();
      child.process.kill("SIGSTOP");
      await waitFor(() => parent.lock.isLeader(), "the parent leads", 15_000);
      const handover = performance.now() - frozenAt;
      assert.ok(handover < 15_000, `handed over after ${handover} ms`);
      await waitFor(() => parentSteps >= 3, "the parent running steps");
      // Everything the child wrote before it froze has arrived (pipes are written synchronously on Linux).
      const linesBeforeWaking = child.lines.length;
      child.process.kill("SIGCONT");
      await waitFor(
        () => child.lines.slice(linesBeforeWaking).filter((l) => l === "skipped").length >= 3,
        "the woken child skipping steps",
      );
      const afterWaking = child.lines.slice(linesBeforeWaking);
      assert.match(afterWaking[0] ?? "", /^(lost|skipped)/, `first line after waking: ${afterWaking[0]}`);
      assert.ok(!afterWaking.includes("step"), `no step after waking: ${afterWaking.join(" | ")}`);
      // The database's order of steps: every step of the child before the parent's first, none interleaved.
      const order = await pool.query<{ holder: string; term: string }>(
        "SELECT holder, term FROM step_log ORDER BY at",
      );
      const holders = order.rows.map((row) => row.holder);
      const firstParent = holders.indexOf("parent");
      assert.ok(firstParent > 0);
      assert.ok(holders.slice(0, firstParent).every((h) => h === "child"));
      assert.ok(holders.slice(firstParent).every((h) => h === "parent"));
      const terms = new Set(order.rows.map((row) => `${row.holder} ${row.term}`));
      assert.equal(terms.size, 2, `one term each: ${[...terms].join(", ")}`);
    } finally {
      clearInterval(stepper);
      await parent.lock.stop();
    }
  });
});
