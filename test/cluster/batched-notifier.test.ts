import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type pg from "pg";
import { BatchedNotifier, packPayloads } from "../../src/cluster/batched-notifier.ts";
import { MAX_NOTIFY_PAYLOAD_BYTES } from "../../src/cluster/notify-payload.ts";
import { PgNotifier } from "../../src/cluster/pg-notifier.ts";
import { openPgPool } from "../../src/storage/postgres/pg-pool.ts";
import { type FreshDatabase, freshDatabase } from "../helpers/postgres.ts";
import { waitFor } from "../helpers/wait-for.ts";

describe("packPayloads", () => {
  it("keeps the order and packs the most items into each array that fit", () => {
    const items = Array.from({ length: 40 }, (_, i) => JSON.stringify({ n: i, text: "é".repeat(i % 7) }));
    const max = 60;
    const payloads = packPayloads(items, max);
    assert.deepEqual(
      payloads.flatMap((p) => JSON.parse(p)),
      items.map((i) => JSON.parse(i)),
    );
    for (const [index, payload] of payloads.entries()) {
      assert.ok(Buffer.byteLength(payload) <= max, `payload ${index} fits`);
      // Greedy is fewest for order-keeping packing: the next payload's first item did not fit in this one.
      const next = payloads[index + 1];
      if (next) {
        const firstOfNext = JSON.stringify(JSON.parse(next)[0]);
        assert.ok(
          Buffer.byteLength(payload) + 1 + Buffer.byteLength(firstOfNext) > max,
          `payload ${index} is full`,
        );
      }
    }
  });
});

describe("BatchedNotifier", () => {
  let db: FreshDatabase;
  let pool: pg.Pool;
  let notifier: PgNotifier;

  before(async () => {
    db = await freshDatabase();
    pool = openPgPool(db.url);
    notifier = new PgNotifier({ url: db.url, pool });
    await notifier.start();
  });

  after(async () => {
    await notifier.stop();
    await pool.end();
    await db.drop();
  });

  it("sends many items through PostgreSQL in as few NOTIFYs as fit under 8000 bytes, in order", async () => {
    const received: string[] = [];
    const unlisten = await notifier.listen("records:ds-1", { onMessage: (p) => received.push(p) });
    const batcher = new BatchedNotifier({ send: (c, p) => notifier.notify(c, p), intervalMs: 50 });
    // Items of one size, so the count of payloads can be worked out: n items take n * size + (n - 1) + 2 bytes.
    const items = Array.from({ length: 500 }, (_, i) => ({
      seq: String(i).padStart(4, "0"),
      value: "v".repeat(80),
    }));
    const itemBytes = JSON.stringify(items[0]).length;
    for (const item of items) batcher.add("records:ds-1", item);
    const perPayload = Math.floor((MAX_NOTIFY_PAYLOAD_BYTES - 1) / (itemBytes + 1));
    const expectedPayloads = Math.ceil(items.length / perPayload);
    await waitFor(() => received.length === expectedPayloads, `${expectedPayloads} notifications`);
    assert.deepEqual(
      received.flatMap((p) => JSON.parse(p)),
      items,
    );
    for (const payload of received) assert.ok(Buffer.byteLength(payload) <= MAX_NOTIFY_PAYLOAD_BYTES);
    await batcher.stop();
    await unlisten();
  });

  it("sends at most one round per interval, each round with what was added since the last", async () => {
    const sentAt: number[] = [];
    const sent: unknown[] = [];
    const batcher = new BatchedNotifier({
      send: async (_channel, payload) => {
        sentAt.push(performance.now());
        sent.push(...JSON.parse(payload));
      },
      intervalMs: 100,
    });
    const added: number[] = [];
    await new Promise<void>((resolve) => {
      const adder = setInterval(() => {
        added.push(added.length);
        batcher.add("live", added.length - 1);
        if (added.length === 60) {
          clearInterval(adder);
          resolve();
        }
      }, 5);
    });
    await batcher.stop();
    assert.deepEqual(sent, added);
    assert.ok(sentAt.length >= 2, "several rounds");
    // The last gap may be stop()'s own flush, which sends at once by design.
    for (let i = 1; i < sentAt.length - 1; i += 1) {
      const gap = (sentAt[i] ?? 0) - (sentAt[i - 1] ?? 0);
      // Node's timers count whole ms from the loop's cached clock: a timer can fire up to ~1 ms early.
      assert.ok(gap >= 98, `round ${i} came ${gap.toFixed(1)} ms after the one before`);
    }
  });

  it("refuses an item that could never fit, with a precise error, and queues nothing", async () => {
    const sent: string[] = [];
    const batcher = new BatchedNotifier({
      send: async (_c, p) => {
        sent.push(p);
      },
      intervalMs: 10,
    });
    const tooBig = "z".repeat(MAX_NOTIFY_PAYLOAD_BYTES);
    assert.throws(() => batcher.add("live", tooBig), {
      name: "RangeError",
      message: `notification item for channel "live" takes ${MAX_NOTIFY_PAYLOAD_BYTES + 4} bytes as a payload; at most ${MAX_NOTIFY_PAYLOAD_BYTES} fit`,
    });
    assert.throws(() => batcher.add("live", undefined), /must be a JSON value, not undefined/);
    await batcher.flush();
    assert.deepEqual(sent, []);
  });
});
