import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LeaderLock } from "../../src/cluster/leader-lock.ts";
import { LeaderGatedWriter } from "../../src/hub-cluster/leader-gated-writer.ts";
import type { IngestOutcome, RecordWriter, RollupProgress } from "../../src/storage/ports.ts";
import { migratePostgres } from "../../src/storage/postgres/migrations.ts";
import { openPgPool, type PgPool } from "../../src/storage/postgres/pg-pool.ts";
import { type FreshDatabase, freshDatabase } from "../helpers/postgres.ts";
import { waitFor } from "../helpers/wait-for.ts";

/** The advisory lock key of the jobs in this test. */
const JOBS_KEY = 4242;

/** The writer under the gate: counts the calls that reached it and answers as a writer with work would. */
class CountingWriter implements RecordWriter {
  readonly calls = { write: 0, deleteOlderThan: 0, rollupStep: 0 };
  readonly failing = new Map([["source-1", "overflow"]]);

  async write(_outcomes: readonly IngestOutcome[]): Promise<void> {
    this.calls.write++;
  }

  async deleteOlderThan(_before: number, batch: number): Promise<number> {
    this.calls.deleteOlderThan++;
    return batch;
  }

  async rollupStep(_now: number): Promise<RollupProgress> {
    this.calls.rollupStep++;
    return { worked: true, failing: this.failing };
  }
}

describe("LeaderGatedWriter: retention and rollup steps run on the leader only", () => {
  let db: FreshDatabase;
  let pool: PgPool;

  before(async () => {
    db = await freshDatabase();
    pool = openPgPool(db.url);
    await migratePostgres(pool);
  });

  after(async () => {
    await pool.end();
    await db.drop();
  });

  function instance(holder: string) {
    const lock = new LeaderLock({ url: db.url, key: JOBS_KEY, holder });
    const inner = new CountingWriter();
    return { lock, inner, writer: new LeaderGatedWriter(inner, lock) };
  }

  it("lets only the leader's steps through, every instance's writes, and hands over when the leader's session ends", async () => {
    const a = instance("a");
    const b = instance("b");
    a.lock.start();
    await waitFor(() => a.lock.isLeader(), "a leads");
    b.lock.start();
    try {
      assert.equal(await a.writer.deleteOlderThan(1000, 50), 50);
      assert.deepEqual(await a.writer.rollupStep(1000), { worked: true, failing: a.inner.failing });
      assert.equal(await b.writer.deleteOlderThan(1000, 50), 0);
      assert.deepEqual(await b.writer.rollupStep(1000), { worked: false, failing: new Map() });
      await a.writer.write([]);
      await b.writer.write([]);
      assert.deepEqual(a.inner.calls, { write: 1, deleteOlderThan: 1, rollupStep: 1 });
      assert.deepEqual(b.inner.calls, { write: 1, deleteOlderThan: 0, rollupStep: 0 });

      await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [
        `aiida-hub a leader ${JOBS_KEY}`,
      ]);
      await waitFor(async () => (await b.writer.rollupStep(2000)).worked, "b's rollup step running");
      assert.equal(await b.writer.deleteOlderThan(2000, 7), 7);
      assert.equal(await a.writer.deleteOlderThan(2000, 7), 0, "the old leader runs no more steps");
      assert.deepEqual(await a.writer.rollupStep(2000), { worked: false, failing: new Map() });
      assert.deepEqual(a.inner.calls, { write: 1, deleteOlderThan: 1, rollupStep: 1 });
      assert.equal(b.inner.calls.deleteOlderThan, 1);
    } finally {
      await a.lock.stop();
      await b.lock.stop();
    }
  });
});
