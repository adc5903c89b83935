import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it, type TestContext } from "node:test";
import {
  DeviceSessions,
  type FeedbackItem,
  type SessionChange,
  type SessionConnection,
} from "../../src/broker/device-sessions.ts";
import { PgNotifier } from "../../src/cluster/pg-notifier.ts";
import { SessionSync } from "../../src/hub-cluster/session-sync.ts";
import { silentLogger } from "../../src/platform/logger.ts";
import { hashDevicePassword } from "../../src/platform/secrets.ts";
import { PgDataSourceStore } from "../../src/storage/postgres/data-source-repository.ts";
import { PgDeviceSessionStore } from "../../src/storage/postgres/device-session-repository.ts";
import { migratePostgres } from "../../src/storage/postgres/migrations.ts";
import { openPgPool, type PgPool } from "../../src/storage/postgres/pg-pool.ts";
import { testDataSource } from "../helpers/data-source-fixture.ts";
import { type FreshDatabase, freshDatabase } from "../helpers/postgres.ts";
import { waitFor } from "../helpers/wait-for.ts";

/** A live connection as the registry sees it: what it was sent, and what it had in flight when taken over. */
class FakeConnection implements SessionConnection {
  readonly sent: string[] = [];
  takenOver = false;
  constructor(private readonly inFlight: string[] = []) {}
  sendFeedback(item: FeedbackItem): void {
    this.sent.push(item.payload.toString());
  }
  takeOver(): FeedbackItem[] {
    this.takenOver = true;
    return this.inFlight.map((text) => ({ payload: Buffer.from(text), storeId: undefined }));
  }
}

/** One hub instance's side: its own pool, listen session, session store, registry and sync. */
interface Instance {
  readonly name: string;
  readonly sessions: DeviceSessions;
  readonly store: PgDeviceSessionStore;
  readonly notifier: PgNotifier;
  /** Every change of another instance applied here, in order. */
  readonly applied: SessionChange[];
}

const persistent = (clientId: string, sourceId: string, cleanStart = false) => ({
  clientId,
  sourceId,
  cleanStart,
  expiryMs: null,
});
const clean = (clientId: string, sourceId: string) => ({ clientId, sourceId, cleanStart: true, expiryMs: 0 });

describe("SessionSync: device sessions of two hub instances on one PostgreSQL database", () => {
  let db: FreshDatabase;
  let admin: PgPool;
  let source: string;
  let otherSource: string;
  let now = Date.now();

  before(async () => {
    db = await freshDatabase();
    admin = openPgPool(db.url);
    await migratePostgres(admin);
    const sources = new PgDataSourceStore(admin);
    source = randomUUID();
    otherSource = randomUUID();
    for (const id of [source, otherSource])
      await sources.create(testDataSource(id), hashDevicePassword("pw"));
  });

  after(async () => {
    await admin.end();
    await db.drop();
  });

  async function start(t: TestContext, name: string, maxPayloadBytes?: number): Promise<Instance> {
    const pool = openPgPool(db.url);
    const notifier = new PgNotifier({
      url: db.url,
      pool,
      applicationName: `sessions ${name} listen`,
      reconnectDelayMs: 200,
    });
    await notifier.start();
    const store = new PgDeviceSessionStore(pool);
    const sessions = new DeviceSessions(
      store,
      () => true,
      silentLogger,
      () => now,
    );
    const applied: SessionChange[] = [];
    const sync = new SessionSync({
      notifier,
      instanceId: name,
      sessions: {
        observe: (observer) => sessions.observe(observer),
        reload: () => sessions.reload(),
        echoed: (clientId, number) => sessions.echoed(clientId, number),
        applyRemote: (change) => {
          sessions.applyRemote(change);
          applied.push(change);
        },
      },
      readSession: async (clientId) => (await store.all()).find((s) => s.clientId === clientId),
      ...(maxPayloadBytes !== undefined && { maxPayloadBytes }),
    });
    await sync.start();
    t.after(async () => {
      await sessions.settled();
      await sync.stop();
      await notifier.stop();
      await pool.end();
    });
    return { name, sessions, store, notifier, applied };
  }

  /** Resolves once `instance` applied a change of `clientId` that `matches`. */
  const applied = (instance: Instance, clientId: string, matches: (change: SessionChange) => boolean) =>
    waitFor(
      () =>
        instance.applied.some(
          (c) => (c.kind === "removed" ? c.clientId : c.record.clientId) === clientId && matches(c),
        ),
      `${instance.name} to apply a change of ${clientId}`,
      5000,
    );
  const awaySaved = (c: SessionChange) => c.kind === "saved" && !c.connected;

  /** A persistent session on A with a feedback subscription at QoS 1, whose device went away. */
  async function awayOnA(a: Instance, b: Instance, clientId: string) {
    const first = new FakeConnection();
    assert.equal(a.sessions.attach(first, persistent(clientId, source)).sessionPresent, false);
    a.sessions.subscribe(clientId, 1);
    a.sessions.detach(first, clientId, []);
    await applied(b, clientId, awaySaved);
  }

  it("a session saved on A is present on B, with its subscription and the feedback queued meanwhile", async (t) => {
    const a = await start(t, "a");
    const b = await start(t, "b");
    const clientId = `m-${randomUUID()}`;
    await awayOnA(a, b, clientId);
    assert.equal(b.sessions.mayUse(clientId, otherSource), false, "B binds the client id to its data source");
    a.sessions.deliver(source, () => Buffer.from("queued on A"));
    // Stored before B queues its own: two instances queueing at the same moment have no order between them.
    await a.sessions.settled();
    b.sessions.deliver(source, () => Buffer.from("queued on B"));
    await b.sessions.settled();

    const back = new FakeConnection();
    const resumed = b.sessions.attach(back, persistent(clientId, source));
    assert.equal(resumed.sessionPresent, true);
    assert.equal(resumed.feedbackQos, 1);
    const waiting = (await resumed.waiting).map((item) => item.payload.toString());
    assert.deepEqual(waiting, ["queued on A", "queued on B"]);
  });

  it("a session whose expiry passed is removed on A and forgotten on B", async (t) => {
    const a = await start(t, "a");
    const b = await start(t, "b");
    const clientId = `m-${randomUUID()}`;
    const first = new FakeConnection();
    a.sessions.attach(first, { clientId, sourceId: source, cleanStart: false, expiryMs: 60_000 });
    a.sessions.detach(first, clientId, []);
    await applied(b, clientId, awaySaved);
    assert.equal(b.sessions.mayUse(clientId, otherSource), false);
    now += 120_000;
    await a.sessions.sweep();
    await applied(b, clientId, (c) => c.kind === "removed");
    assert.equal(b.sessions.mayUse(clientId, otherSource), true, "the client id is free on B");
    const fresh = b.sessions.attach(new FakeConnection(), persistent(clientId, source));
    assert.equal(fresh.sessionPresent, false);
  });

  it("a device attaching on B ends its connection on A; what A had in flight is queued; A queues nothing while B holds it", async (t) => {
    const a = await start(t, "a");
    const b = await start(t, "b");
    const clientId = `m-${randomUUID()}`;
    const onA = new FakeConnection(["in flight on A"]);
    a.sessions.attach(onA, persistent(clientId, source));
    a.sessions.subscribe(clientId, 1);
    await applied(b, clientId, (c) => c.kind === "saved" && c.record.feedbackQos === 1);

    const onB = new FakeConnection();
    const resumed = b.sessions.attach(onB, persistent(clientId, source));
    assert.equal(resumed.sessionPresent, true);
    assert.deepEqual(await resumed.waiting, []);
    await waitFor(() => onA.takenOver, "A's connection to be taken over", 5000);
    await waitFor(
      async () =>
        (await a.store.queued(clientId)).map((q) => q.payload.toString()).join() === "in flight on A",
      "A's undelivered report queued",
      5000,
    );

    // Held on B: a report made on A is neither sent to A's old connection nor queued.
    a.sessions.deliver(source, () => Buffer.from("while on B"));
    await a.sessions.settled();
    assert.equal((await a.store.queued(clientId)).length, 1);
    assert.deepEqual(onA.sent, []);

    // Once B's connection ended, A queues again.
    b.sessions.detach(onB, clientId, []);
    await applied(a, clientId, awaySaved);
    a.sessions.deliver(source, () => Buffer.from("after B"));
    await a.sessions.settled();
    assert.deepEqual(
      (await a.store.queued(clientId)).map((q) => q.payload.toString()),
      ["in flight on A", "after B"],
    );
  });

  it("a clean session on A holds its client id on B, and is taken over by a connection on B", async (t) => {
    const a = await start(t, "a");
    const b = await start(t, "b");
    const clientId = `c-${randomUUID()}`;
    const onA = new FakeConnection(["not kept"]);
    a.sessions.attach(onA, clean(clientId, source));
    await applied(b, clientId, (c) => c.kind === "attached" && !c.persisted);
    assert.equal(b.sessions.mayUse(clientId, otherSource), false, "another data source may not take it");

    const onB = new FakeConnection();
    const started = b.sessions.attach(onB, persistent(clientId, source));
    assert.equal(started.sessionPresent, false, "a session kept only in A's memory is not resumed on B");
    await waitFor(() => onA.takenOver, "A's connection to be taken over", 5000);
    await b.sessions.settled();
    await a.sessions.settled();
    assert.deepEqual(await b.store.queued(clientId), [], "a clean session's reports are not kept");
    assert.equal(a.sessions.mayUse(clientId, otherSource), false, "A knows B's session");
  });

  it("the same client id attaching on A and B at once: the later announced attach keeps its connection, the other ends", async (t) => {
    const a = await start(t, "a");
    const b = await start(t, "b");
    for (let round = 0; round < 5; round++) {
      const clientId = `race-${round}-${randomUUID()}`;
      const onA = new FakeConnection();
      const onB = new FakeConnection();
      // Neither instance has heard of the other's attach when it makes its own.
      a.sessions.attach(onA, persistent(clientId, source));
      b.sessions.attach(onB, persistent(clientId, source));
      await waitFor(() => onA.takenOver || onB.takenOver, "one connection to be taken over", 5000);
      // Both announcements have reached both instances once each saw the other's.
      await applied(a, clientId, (c) => c.kind === "attached");
      await applied(b, clientId, (c) => c.kind === "attached");
      assert.notEqual(onA.takenOver, onB.takenOver, `round ${round}: exactly one connection ends`);
    }
  });

  it("a change too long to announce with its fields is read from the store by the other instance", async (t) => {
    // Room for the client id and the data source, not for the rest.
    const a = await start(t, "a", 100);
    const b = await start(t, "b");
    const clientId = `long-${randomUUID()}`;
    await awayOnA(a, b, clientId);
    const resumed = b.sessions.attach(new FakeConnection(), persistent(clientId, source));
    assert.equal(resumed.sessionPresent, true);
    assert.equal(resumed.feedbackQos, 1, "the subscription was read from the row");
  });

  it("after its listen session was lost, B reads the sessions again and catches what changed meanwhile", async (t) => {
    const a = await start(t, "a");
    const b = await start(t, "b");
    const gone = `gone-${randomUUID()}`;
    await awayOnA(a, b, gone);
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sessions b listen'",
    );
    await waitFor(() => !b.notifier.connected, "B noticing its listen session is gone", 5000);
    const created = `new-${randomUUID()}`;
    await a.store.save({ clientId: created, dataSourceId: source, feedbackQos: 1, expiresAt: null });
    await a.store.remove(gone);
    assert.equal(b.notifier.connected, false, "the changes were committed while B did not listen");
    await waitFor(
      () => !b.sessions.mayUse(created, otherSource) && b.sessions.mayUse(gone, otherSource),
      "B to read the sessions again",
      10_000,
    );
    const resumed = b.sessions.attach(new FakeConnection(), persistent(created, source));
    assert.equal(resumed.sessionPresent, true);
    assert.equal(resumed.feedbackQos, 1);
  });
});
