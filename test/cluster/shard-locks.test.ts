import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type pg from "pg";
import { ShardLocks } from "../../src/cluster/shard-locks.ts";
import { SHARD_COUNT, shardOf } from "../../src/cluster/shard-of.ts";
import { openPgPool } from "../../src/storage/postgres/pg-pool.ts";
import { type FreshDatabase, freshDatabase } from "../helpers/postgres.ts";
import { waitFor } from "../helpers/wait-for.ts";

/** Who works on each shard now, by the callbacks; a gain while another instance works on it is recorded. */
class ShardWork {
  readonly owner = new Map<number, string>();
  readonly overlaps: string[] = [];
  /** Holders in the order they lost a shard. */
  readonly losses: string[] = [];
  callbacks(holder: string) {
    return {
      onGained: (shard: number) => {
        const current = this.owner.get(shard);
        if (current !== undefined) this.overlaps.push(`${holder} gained ${shard} while ${current} had it`);
        this.owner.set(shard, holder);
      },
      onLost: (shard: number) => {
        this.losses.push(holder);
        if (this.owner.get(shard) === holder) this.owner.delete(shard);
      },
    };
  }
}

/** Short timings: rounds every 50 ms. */
function shardInstance(url: string, holder: string, work: ShardWork): ShardLocks {
  return new ShardLocks({
    url,
    holder,
    rebalanceIntervalMs: 50,
    queryTimeoutMs: 500,
    leaseMs: 1000,
    idleSessionTimeoutMs: 1500,
    ...work.callbacks(holder),
  });
}

/** True when `instances` own every shard between them, each shard once, each at least `least`. */
function spread(instances: ShardLocks[], least: number): boolean {
  const owned = instances.map((i) => i.ownedShards());
  const all = owned.flat();
  return (
    all.length === SHARD_COUNT && new Set(all).size === SHARD_COUNT && owned.every((o) => o.length >= least)
  );
}

describe("shardOf", () => {
  it("gives the same shard for the same key and reaches every shard", () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `permission-${i}`);
    const shards = keys.map((key) => shardOf(key));
    assert.deepEqual(
      keys.map((key) => shardOf(key)),
      shards,
    );
    assert.ok(shards.every((s) => Number.isInteger(s) && s >= 0 && s < SHARD_COUNT));
    assert.equal(new Set(shards).size, SHARD_COUNT);
  });
});

describe("ShardLocks", () => {
  let db: FreshDatabase;
  let pool: pg.Pool;

  before(async () => {
    db = await freshDatabase();
    pool = openPgPool(db.url);
  });

  after(async () => {
    await pool.end();
    await db.drop();
  });

  it("spreads the shards over 2, then 3 instances, and the rest take all when one stops", async () => {
    const work = new ShardWork();
    const a = shardInstance(db.url, "a", work);
    const b = shardInstance(db.url, "b", work);
    const c = shardInstance(db.url, "c", work);
    a.start();
    b.start();
    try {
      await waitFor(() => spread([a, b], SHARD_COUNT / 2), "two instances with half each");
      c.start();
      const fairThird = Math.ceil(SHARD_COUNT / 3 - 1);
      await waitFor(() => spread([a, b, c], fairThird), `three instances with at least ${fairThird} each`);
      // The database agrees: each shard's lock is held by one session.
      const held = await pool.query<{ n: number }>(
        `SELECT count(DISTINCT objid) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2
            AND classid = x'41494430'::bigint::oid
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      assert.equal(held.rows[0]?.n, SHARD_COUNT);
      await c.stop();
      assert.deepEqual(c.ownedShards(), []);
      await waitFor(() => spread([a, b], 1), "the two left owning every shard");
      assert.deepEqual(work.overlaps, []);
      assert.equal(work.owner.size, SHARD_COUNT);
    } finally {
      await a.stop();
      await b.stop();
      await c.stop();
    }
  });

  it("gives a cut-off instance's shards to the others once its session ends", async () => {
    const work = new ShardWork();
    const a = shardInstance(db.url, "a", work);
    const b = shardInstance(db.url, "b", work);
    a.start();
    b.start();
    try {
      await waitFor(() => spread([a, b], SHARD_COUNT / 2), "two instances with half each");
      const sessions = await pool.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'aiida-hub b shards'",
      );
      assert.equal(sessions.rows.length, 1);
      // Losses so far were shards handed over while the two spread them.
      const before = work.losses.length;
      await pool.query("SELECT pg_terminate_backend($1)", [sessions.rows[0]?.pid]);
      const since = () => work.losses.slice(before);
      await waitFor(() => since().filter((h) => h === "b").length === SHARD_COUNT / 2, "b losing its shards");
      // b's losses come first, all together; a gives shards up only later, when b is back.
      assert.ok(
        since()
          .slice(0, SHARD_COUNT / 2)
          .every((h) => h === "b"),
        since().join(" "),
      );
      // b connects again and takes a share back; in between a may take orphans: never two at once.
      await waitFor(() => spread([a, b], 1), "every shard owned again");
      assert.deepEqual(work.overlaps, []);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
