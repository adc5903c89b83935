import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type pg from "pg";
import { notifyWithin } from "../../src/cluster/notify-payload.ts";
import { PgNotifier } from "../../src/cluster/pg-notifier.ts";
import { inTransaction, openPgPool } from "../../src/storage/postgres/pg-pool.ts";
import { type FreshDatabase, freshDatabase } from "../helpers/postgres.ts";
import { waitFor } from "../helpers/wait-for.ts";

/** What one listener has received, in order, and how often it was told it may have missed some. */
function recorder() {
  const payloads: string[] = [];
  let missed = 0;
  return {
    payloads,
    missed: () => missed,
    listener: { onMessage: (p: string) => payloads.push(p), onMissed: () => (missed += 1) },
  };
}

describe("PgNotifier", () => {
  let db: FreshDatabase;
  let poolA: pg.Pool;
  let poolB: pg.Pool;
  let sender: PgNotifier;
  let receiver: PgNotifier;

  before(async () => {
    db = await freshDatabase();
    poolA = openPgPool(db.url, { applicationName: "instance A" });
    poolB = openPgPool(db.url, { applicationName: "instance B" });
    sender = new PgNotifier({ url: db.url, pool: poolA, applicationName: "listen A" });
    receiver = new PgNotifier({
      url: db.url,
      pool: poolB,
      applicationName: "listen B",
      reconnectDelayMs: 100,
    });
    await sender.start();
    await receiver.start();
  });

  after(async () => {
    await sender.stop();
    await receiver.stop();
    await poolA.end();
    await poolB.end();
    await db.drop();
  });

  it("delivers a notification sent through one instance's pool to another instance's listener", async () => {
    const got = recorder();
    const unlisten = await receiver.listen("records", got.listener);
    await sender.notify("records", "first");
    await sender.notify("records", "second");
    await waitFor(() => got.payloads.length === 2, "two notifications");
    assert.deepEqual(got.payloads, ["first", "second"]);
    await unlisten();
  });

  it("delivers a notification made inside a transaction only at commit, and never one rolled back", async () => {
    const got = recorder();
    const unlisten = await receiver.listen("credentials", got.listener);
    await assert.rejects(
      inTransaction(poolA, async (client) => {
        await notifyWithin(client, "credentials", "rolled back");
        throw new Error("the caller's work failed");
      }),
      /the caller's work failed/,
    );
    const client = await poolA.connect();
    try {
      await client.query("BEGIN");
      await notifyWithin(client, "credentials", "committed");
      // Sent and delivered while the transaction is still open: whatever was queued before it arrives first.
      await sender.notify("credentials", "marker");
      await waitFor(() => got.payloads.includes("marker"), "the marker");
      assert.deepEqual(got.payloads, ["marker"]);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    await waitFor(() => got.payloads.includes("committed"), "the committed notification");
    assert.deepEqual(got.payloads, ["marker", "committed"]);
    await unlisten();
  });

  it("connects again after its listen session is terminated, tells listeners they may have missed messages, and delivers again", async () => {
    const got = recorder();
    const unlisten = await receiver.listen("live", got.listener);
    const pidOf = async () =>
      (
        await poolA.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE application_name = 'listen B'",
        )
      ).rows.map((row) => row.pid);
    const [before] = await pidOf();
    assert.ok(before, "the listen session is in pg_stat_activity");
    await poolA.query("SELECT pg_terminate_backend($1)", [before]);
    await waitFor(() => got.missed() === 1, "the listener told of the gap");
    const [afterwards] = await pidOf();
    assert.ok(afterwards !== undefined && afterwards !== before, "a new session listens");
    await sender.notify("live", "after the reconnect");
    await waitFor(() => got.payloads.length === 1, "delivery after the reconnect");
    assert.deepEqual(got.payloads, ["after the reconnect"]);
    await unlisten();
  });

  it("refuses a payload of 8000 bytes or more with a precise error and sends nothing", async () => {
    const got = recorder();
    const unlisten = await receiver.listen("big", got.listener);
    await assert.rejects(sender.notify("big", "x".repeat(8000)), {
      name: "RangeError",
      message: 'NOTIFY payload for channel "big" is 8000 bytes; PostgreSQL takes at most 7999',
    });
    // Bytes, not characters: 4000 two-byte characters are 8000 bytes.
    await assert.rejects(sender.notify("big", "é".repeat(4000)), /is 8000 bytes/);
    const largest = "y".repeat(7999);
    await sender.notify("big", largest);
    await waitFor(() => got.payloads.length === 1, "the largest payload");
    assert.equal(got.payloads[0], largest);
    await unlisten();
  });

  it("refuses a channel name longer than PostgreSQL's identifiers", async () => {
    await assert.rejects(sender.notify("c".repeat(64), "x"), /channel name must be 1 to 63 bytes, not 64/);
    await assert.rejects(receiver.listen("", { onMessage: () => {} }), /not 0/);
  });
});
