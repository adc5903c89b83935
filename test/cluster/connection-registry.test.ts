import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type pg from "pg";
import { ConnectionRegistry } from "../../src/cluster/connection-registry.ts";
import { migratePostgres } from "../../src/storage/postgres/migrations.ts";
import { openPgPool } from "../../src/storage/postgres/pg-pool.ts";
import { type FreshDatabase, freshDatabase } from "../helpers/postgres.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { spawnClusterChild } from "./spawn-child.ts";

/** Timings of the child's registry (cluster-child.ts): stale after 1 s. */
const STALE_AFTER_MS = 1000;

describe("ConnectionRegistry", () => {
  let db: FreshDatabase;
  let pool: pg.Pool;

  before(async () => {
    db = await freshDatabase();
    pool = openPgPool(db.url);
    await migratePostgres(pool);
  });

  after(async () => {
    await pool.end();
    await db.drop();
  });

  const registry = (instanceId: string) =>
    new ConnectionRegistry({ pool, instanceId, heartbeatIntervalMs: 100, staleAfterMs: STALE_AFTER_MS });

  it("answers isConnected for a device on any live instance, and no longer after it disconnects", async () => {
    const a = registry("a");
    const b = registry("b");
    await a.start();
    await b.start();
    try {
      await a.connected("meter-1", "source-1");
      assert.equal(await b.isConnected("source-1"), true);
      assert.equal(await b.isConnected("source-2"), false);
      assert.deepEqual(await b.liveInstances(), ["a", "b"]);
      await a.disconnected("meter-1", "source-1");
      assert.equal(await b.isConnected("source-1"), false);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("lists the data sources connected to other live instances, not this one's, each once", async () => {
    const a = registry("a");
    // Its own heartbeat stays away for the whole case: its staleness below is set by hand.
    const b = new ConnectionRegistry({
      pool,
      instanceId: "b",
      heartbeatIntervalMs: 59_000,
      staleAfterMs: 60_000,
    });
    const c = registry("c");
    await a.start();
    await b.start();
    await c.start();
    try {
      await a.connected("meter-a", "source-a");
      await b.connected("meter-b1", "source-b");
      await b.connected("meter-b2", "source-b");
      await c.connected("meter-c", "source-a");
      assert.deepEqual([...(await a.connectedOnOtherInstances())].sort(), ["source-a", "source-b"]);
      assert.deepEqual([...(await c.connectedOnOtherInstances())].sort(), ["source-a", "source-b"]);
      await c.disconnected("meter-c", "source-a");
      assert.deepEqual([...(await a.connectedOnOtherInstances())], ["source-b"]);
      // A stale instance's connections no longer count, even before its row is removed.
      await pool.query("UPDATE hub_instance SET heartbeat_at = now() - interval '1 hour' WHERE id = 'b'");
      assert.deepEqual([...(await a.connectedOnOtherInstances())], []);
    } finally {
      await a.stop();
      await b.stop();
      await c.stop();
    }
  });

  it("removes the connections of a killed instance once its heartbeat is stale", async (t) => {
    const survivor = registry("survivor");
    await survivor.start();
    try {
      const child = spawnClusterChild(t, "registry", db.url, "doomed");
      await waitFor(() => child.lines.includes("ready"), "the child registered", 15_000);
      assert.equal(await survivor.isConnected("source-of-child"), true);
      const killedAt = performance.now();
      child.process.kill("SIGKILL");
      await waitFor(
        async () => !(await survivor.isConnected("source-of-child")),
        "the connection no longer counted",
      );
      assert.ok(performance.now() - killedAt < STALE_AFTER_MS + 500, "not counted once stale");
      await waitFor(async () => {
        const rows = await pool.query("SELECT 1 FROM device_connection WHERE instance_id = 'doomed'");
        const instances = await pool.query("SELECT 1 FROM hub_instance WHERE id = 'doomed'");
        return rows.rows.length === 0 && instances.rows.length === 0;
      }, "the dead instance's rows removed");
      assert.deepEqual(await survivor.liveInstances(), ["survivor"]);
    } finally {
      await survivor.stop();
    }
  });

  it("removes what an earlier run with the same id left behind when it starts", async () => {
    await pool.query(
      "INSERT INTO hub_instance (id, started_at, heartbeat_at) VALUES ('again', now(), now())",
    );
    await pool.query(
      "INSERT INTO device_connection (instance_id, client_id, data_source_id, connected_at) VALUES ('again', 'm', 'left-over', now())",
    );
    assert.equal(await registry("other").isConnected("left-over"), true);
    const again = registry("again");
    await again.start();
    try {
      assert.equal(await again.isConnected("left-over"), false);
    } finally {
      await again.stop();
    }
  });

  it("registers itself and its connections again after another instance removed it as stale", async () => {
    const a = registry("a");
    await a.start();
    try {
      await a.connected("meter-9", "source-9");
      await pool.query("DELETE FROM hub_instance WHERE id = 'a'");
      assert.equal(await a.isConnected("source-9"), false);
      await waitFor(() => a.isConnected("source-9"), "the connection back after the next heartbeat");
    } finally {
      await a.stop();
    }
    assert.equal(await registry("x").isConnected("source-9"), false, "stop() removes it");
  });
});
