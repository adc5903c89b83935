import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConnectionRegistry } from "../../src/cluster/connection-registry.ts";
import { RemoteConnections } from "../../src/hub-cluster/remote-connections.ts";
import { migratePostgres } from "../../src/storage/postgres/migrations.ts";
import { openPgPool, type PgPool } from "../../src/storage/postgres/pg-pool.ts";
import { type FreshDatabase, freshDatabase } from "../helpers/postgres.ts";
import { waitFor } from "../helpers/wait-for.ts";

/** Registry timings of the instances: an instance silent for 1 s counts as dead. */
const STALE_AFTER_MS = 1000;

describe("RemoteConnections: a device connected to instance A counts as connected on instance B", () => {
  let db: FreshDatabase;
  let poolA: PgPool;
  let poolB: PgPool;

  before(async () => {
    db = await freshDatabase();
    poolA = openPgPool(db.url);
    poolB = openPgPool(db.url);
    await migratePostgres(poolA);
  });

  after(async () => {
    await poolA.end();
    await poolB.end();
    await db.drop();
  });

  /** One instance's registry and mirror, started; `heartbeatIntervalMs` long to freeze its heartbeat. */
  async function instance(pool: PgPool, instanceId: string, heartbeatIntervalMs = 100) {
    const registry = new ConnectionRegistry({
      pool,
      instanceId,
      heartbeatIntervalMs,
      staleAfterMs: Math.max(STALE_AFTER_MS, heartbeatIntervalMs + 1),
    });
    await registry.start();
    const connections = new RemoteConnections({ registry, refreshIntervalMs: 100 });
    await connections.start();
    return {
      registry,
      connections,
      stop: async () => {
        await connections.stop();
        await registry.stop();
      },
    };
  }

  it("shows A's connection on B within about a second, not on A itself, and drops it when A's device leaves", async () => {
    const a = await instance(poolA, "a");
    const b = await instance(poolB, "b");
    try {
      a.connections.connected("source-1");
      const connectedAt = performance.now();
      await waitFor(() => b.connections.connectedElsewhere("source-1"), "source-1 connected elsewhere on B");
      const delay = performance.now() - connectedAt;
      assert.ok(delay < 1000, `seen on B after ${delay} ms`);
      assert.equal(b.connections.connectedElsewhere("source-2"), false);
      await a.connections.refresh();
      assert.equal(a.connections.connectedElsewhere("source-1"), false, "A's own device is not elsewhere");
      a.connections.disconnected("source-1");
      await waitFor(() => !b.connections.connectedElsewhere("source-1"), "source-1 gone on B");
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("counts a data source on two instances once per instance: one leaving keeps it connected", async () => {
    const a = await instance(poolA, "a");
    const b = await instance(poolB, "b");
    const c = await instance(poolB, "c");
    try {
      a.connections.connected("shared");
      c.connections.connected("shared");
      await a.connections.settled();
      await c.connections.settled();
      a.connections.disconnected("shared");
      await a.connections.settled();
      await b.connections.refresh();
      assert.equal(b.connections.connectedElsewhere("shared"), true, "still on C");
      await a.connections.refresh();
      assert.equal(a.connections.connectedElsewhere("shared"), true, "on C, seen from A");
    } finally {
      await a.stop();
      await b.stop();
      await c.stop();
    }
  });

  it("drops A's connections on B once A's registry stops", async () => {
    const a = await instance(poolA, "a");
    const b = await instance(poolB, "b");
    try {
      a.connections.connected("source-3");
      await waitFor(() => b.connections.connectedElsewhere("source-3"), "source-3 on B");
      await a.stop();
      await waitFor(() => !b.connections.connectedElsewhere("source-3"), "source-3 gone on B");
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("drops A's connections on B once A's heartbeat is stale (A frozen)", async () => {
    // A's own heartbeat does not come again during this case.
    const a = await instance(poolA, "frozen", 59_000);
    const b = await instance(poolB, "b");
    try {
      a.connections.connected("source-4");
      await waitFor(() => b.connections.connectedElsewhere("source-4"), "source-4 on B");
      await poolB.query(
        "UPDATE hub_instance SET heartbeat_at = now() - interval '1 minute' WHERE id = 'frozen'",
      );
      await waitFor(() => !b.connections.connectedElsewhere("source-4"), "source-4 gone on B");
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("answers false once the other instances' connections could not be read for longer than maxAgeMs", async () => {
    const a = await instance(poolA, "a");
    const pool = openPgPool(db.url);
    const registry = new ConnectionRegistry({ pool, instanceId: "cut-off", heartbeatIntervalMs: 100 });
    await registry.start();
    const connections = new RemoteConnections({ registry, refreshIntervalMs: 100, maxAgeMs: 300 });
    await connections.start();
    try {
      a.connections.connected("source-5");
      await waitFor(() => connections.connectedElsewhere("source-5"), "source-5 on the cut-off instance");
      await registry.stop();
      // Its database gone: every read fails from now on.
      await pool.end();
      await waitFor(() => !connections.connectedElsewhere("source-5"), "no answer trusted after 300 ms");
    } finally {
      await connections.stop();
      await a.stop();
    }
  });
});
