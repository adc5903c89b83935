import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { PgNotifier } from "../../src/cluster/pg-notifier.ts";
import type { AiidaRecord } from "../../src/domain/aiida-record.ts";
import { OBIS_CODES } from "../../src/domain/obis-code.ts";
import { encodeLiveItem } from "../../src/hub-cluster/live-item.ts";
import { LIVE_CHANNEL, type LiveNotifier, LiveRelay } from "../../src/hub-cluster/live-relay.ts";
import { LiveWatchers } from "../../src/hub-cluster/live-watchers.ts";
import { FanOut } from "../../src/platform/fan-out.ts";
import { silentLogger } from "../../src/platform/logger.ts";
import type { FeedbackReport } from "../../src/storage/ports.ts";
import { migratePostgres } from "../../src/storage/postgres/migrations.ts";
import { openPgPool, type PgPool } from "../../src/storage/postgres/pg-pool.ts";
import { type FreshDatabase, freshDatabase } from "../helpers/postgres.ts";
import { waitFor } from "../helpers/wait-for.ts";

/** A record with what records hold: several OBIS values, a fraction, a negative zero, a huge number. */
function recordOf(dataSourceId: string, n: number, valueCount = 4): AiidaRecord {
  return {
    dataSourceId,
    timestamp: 1_700_000_000_123 + n,
    timestampSource: n % 2 === 0 ? "device" : "receipt",
    receivedAt: 1_700_000_000_456 + n,
    values: Array.from({ length: valueCount }, (_, i) => ({
      obis: OBIS_CODES[(n + i) % OBIS_CODES.length] as AiidaRecord["values"][number]["obis"],
      rawTag: `tag-${i} ü`,
      value: [0.1 + n, -0, 1e300 * (i + 1), -42.000001][i % 4] as number,
      quality: i % 2 === 0 ? "AS_PROVIDED" : "ESTIMATED",
    })),
  };
}

function reportOf(dataSourceId: string): FeedbackReport {
  return {
    dataSourceId,
    receivedAt: "2024-01-01T00:00:00.000Z",
    status: "accepted-with-warnings",
    summary: "Stored, with one warning.",
    problems: [],
    warnings: [
      {
        path: "$.quantities[0]",
        reason: "out of range",
        message: "A value looks implausible.",
        plausibility: { obis: "1-0:1.7.0", value: 9999, unit: "kW", min: 0, max: 100 },
      },
    ],
    ignoredFields: ["extra"],
    notes: ["received at 2024-01-01T00:00:00.000Z"],
    kept: { timestamp: null, timestampSource: "receipt", values: [] },
  };
}

/** One instance's buses, viewers and relay. */
interface Instance {
  readonly localRecords: FanOut<AiidaRecord>;
  readonly localFeedback: FanOut<FeedbackReport>;
  readonly viewerRecords: FanOut<AiidaRecord>;
  readonly watchers: LiveWatchers;
  readonly relay: LiveRelay;
  /** What reached this instance's buses. */
  readonly seen: {
    viewerRecords: AiidaRecord[];
    viewerFeedback: FeedbackReport[];
    localRecords: AiidaRecord[];
  };
}

describe("LiveRelay: live records of instance A reach viewers on instance B", () => {
  let db: FreshDatabase;
  let poolA: PgPool;
  let poolB: PgPool;
  let notifierA: PgNotifier;
  let notifierB: PgNotifier;
  const started: LiveRelay[] = [];

  before(async () => {
    db = await freshDatabase();
    poolA = openPgPool(db.url);
    poolB = openPgPool(db.url);
    await migratePostgres(poolA);
    notifierA = new PgNotifier({ url: db.url, pool: poolA });
    notifierB = new PgNotifier({ url: db.url, pool: poolB });
    await notifierA.start();
    await notifierB.start();
  });

  after(async () => {
    for (const relay of started) await relay.stop();
    await notifierA.stop();
    await notifierB.stop();
    await poolA.end();
    await poolB.end();
    await db.drop();
  });

  async function instance(
    notifier: LiveNotifier,
    options: { announceIntervalMs?: number; interestTtlMs?: number } = {},
  ): Promise<Instance> {
    const localRecords = new FanOut<AiidaRecord>("record", silentLogger);
    const localFeedback = new FanOut<FeedbackReport>("feedback", silentLogger);
    const viewerRecords = new FanOut<AiidaRecord>("viewer record", silentLogger);
    const viewerFeedback = new FanOut<FeedbackReport>("viewer feedback", silentLogger);
    const seen = {
      viewerRecords: [] as AiidaRecord[],
      viewerFeedback: [] as FeedbackReport[],
      localRecords: [] as AiidaRecord[],
    };
    viewerRecords.subscribe((r) => seen.viewerRecords.push(r));
    viewerFeedback.subscribe((f) => seen.viewerFeedback.push(f));
    localRecords.subscribe((r) => seen.localRecords.push(r));
    let relay: LiveRelay | undefined;
    const watchers = new LiveWatchers(() => {
      relay?.announce().catch(() => {});
    });
    relay = new LiveRelay({
      notifier,
      records: localRecords,
      feedback: localFeedback,
      viewerRecords,
      viewerFeedback,
      watchedHere: () => watchers.watchedHere(),
      announceIntervalMs: options.announceIntervalMs ?? 200,
      interestTtlMs: options.interestTtlMs ?? 600,
    });
    await relay.start();
    started.push(relay);
    return { localRecords, localFeedback, viewerRecords, watchers, relay, seen };
  }

  it("delivers A's records and feedback reports to B's viewers' bus exactly as they were, never to B's local bus", async () => {
    const a = await instance(notifierA);
    const b = await instance(notifierB);
    const id = randomUUID();
    const release = b.watchers.watch(id);
    await waitFor(() => a.relay.watchedElsewhere(id), "A learning that B watches the data source");
    const records = [recordOf(id, 1), recordOf(id, 2), recordOf(id, 3, 0)];
    for (const record of records) a.localRecords.publish(record);
    a.localFeedback.publish(reportOf(id));
    await waitFor(
      () => b.seen.viewerRecords.length === 3 && b.seen.viewerFeedback.length === 1,
      "B's viewers",
    );
    assert.deepStrictEqual(b.seen.viewerRecords, records);
    assert.ok(Object.is(b.seen.viewerRecords[0]?.values[1]?.value, -0), "negative zero stays negative");
    assert.deepStrictEqual(b.seen.viewerFeedback, [reportOf(id)]);
    assert.deepEqual(b.seen.localRecords, [], "B's local record bus sees only B's records");
    assert.deepEqual(a.seen.viewerRecords, [], "A does not receive its own records back");
    release();
  });

  it("sends nothing for a data source once B has stopped watching it", async () => {
    const a = await instance(notifierA);
    const b = await instance(notifierB);
    const id = randomUUID();
    const release = b.watchers.watch(id);
    await waitFor(() => a.relay.watchedElsewhere(id), "A learning that B watches");
    release();
    await waitFor(() => !a.relay.watchedElsewhere(id), "A learning that B no longer watches");
    const sentBefore = a.relay.stats.sent;
    a.localRecords.publish(recordOf(id, 1));
    assert.equal(a.relay.stats.sent, sentBefore);
  });

  it("publishes to B's viewers only items of data sources B watches", async () => {
    const b = await instance(notifierB);
    const watched = randomUUID();
    const other = randomUUID();
    b.watchers.watch(watched);
    // Items as an instance that still believes B watches `other` would send them; the marker comes last.
    const items = [recordOf(other, 1), recordOf(watched, 2)].map((record) =>
      encodeLiveItem({ origin: "elsewhere", kind: "record", record }),
    );
    await notifierA.notify(LIVE_CHANNEL, JSON.stringify(items));
    await waitFor(() => b.seen.viewerRecords.some((r) => r.dataSourceId === watched), "the watched one");
    assert.deepEqual(
      b.seen.viewerRecords.map((r) => r.dataSourceId),
      [watched],
    );
  });

  it("batches many records into few NOTIFYs, in order", async () => {
    const a = await instance(notifierA);
    const b = await instance(notifierB);
    const release = b.watchers.watchAll();
    const id = randomUUID();
    await waitFor(() => a.relay.watchedElsewhere(id), "A learning that B watches everything");
    let payloads = 0;
    const unlisten = await notifierB.listen(LIVE_CHANNEL, { onMessage: () => payloads++ });
    const records = Array.from({ length: 300 }, (_, n) => recordOf(id, n));
    for (const record of records) a.localRecords.publish(record);
    await waitFor(() => b.seen.viewerRecords.length === records.length, "every record on B");
    assert.deepStrictEqual(b.seen.viewerRecords, records);
    const bytes = Buffer.byteLength(
      JSON.stringify(records.map((record) => encodeLiveItem({ origin: "xxxxxxxx", kind: "record", record }))),
    );
    // As few as fit: one more than the bytes strictly need, for the split at item boundaries and timing.
    assert.ok(payloads <= Math.ceil(bytes / 7999) + 2, `${payloads} NOTIFYs for ${bytes} bytes`);
    await unlisten();
    release();
  });

  it("skips and counts an item too large for one NOTIFY; the items around it still arrive", async () => {
    const a = await instance(notifierA);
    const b = await instance(notifierB);
    const id = randomUUID();
    b.watchers.watch(id);
    await waitFor(() => a.relay.watchedElsewhere(id), "A learning that B watches");
    const huge = recordOf(id, 1, 400);
    a.localRecords.publish(recordOf(id, 0));
    a.localRecords.publish(huge);
    a.localRecords.publish(recordOf(id, 2));
    await waitFor(() => b.seen.viewerRecords.length === 2, "the two that fit");
    assert.deepStrictEqual(b.seen.viewerRecords, [recordOf(id, 0), recordOf(id, 2)]);
    assert.equal(a.relay.stats.skipped, 1);
  });

  it("forgets an instance's interest when it is not renewed (the instance died)", async () => {
    let cutOff = false;
    // B's notifier, until B "dies": then nothing B sends reaches the database.
    const dying: LiveNotifier = {
      listen: (channel, listener) => notifierB.listen(channel, listener),
      notify: (channel, payload) =>
        cutOff ? Promise.reject(new Error("cut off")) : notifierB.notify(channel, payload),
    };
    const a = await instance(notifierA, { interestTtlMs: 600 });
    const b = await instance(dying);
    const id = randomUUID();
    b.watchers.watch(id);
    await waitFor(() => a.relay.watchedElsewhere(id), "A learning that B watches");
    cutOff = true;
    const cutAt = performance.now();
    await waitFor(() => !a.relay.watchedElsewhere(id), "B's interest expired on A");
    assert.ok(
      performance.now() - cutAt < 600 + 200 + 500,
      "expired about one TTL after the last announcement",
    );
  });

  it("hears at once what the running instances watch when it starts (they answer its question)", async () => {
    // A's own announcements are a minute apart: only an answer to B's question can tell B in time.
    const a = await instance(notifierA, { announceIntervalMs: 60_000, interestTtlMs: 180_000 });
    const id = randomUUID();
    a.watchers.watch(id);
    await a.relay.announce();
    // Delivered in commit order: once B's session has the marker, A's announcement has come and gone.
    let marked = false;
    const unlisten = await notifierB.listen("relay_test_marker", { onMessage: () => (marked = true) });
    await notifierA.notify("relay_test_marker", "");
    await waitFor(() => marked, "the marker on B's session");
    await unlisten();
    const b = await instance(notifierB);
    await waitFor(() => b.relay.watchedElsewhere(id), "B learning what A watches", 2000);
  });
});
