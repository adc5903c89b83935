import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { testDataSource } from "../../test/helpers/data-source-fixture.ts";
import { GatedSessionStore } from "../../test/helpers/gated-session-store.ts";
import { capturingLogger } from "../../test/helpers/hub-harness.ts";
import { type Logger, silentLogger } from "../platform/logger.ts";
import { hashDevicePassword } from "../platform/secrets.ts";
import type { DeviceSessionStore } from "../storage/ports.ts";
import { DataSourceKeys } from "../storage/sqlite/data-source-keys.ts";
import { SqliteDataSourceStore } from "../storage/sqlite/data-source-repository.ts";
import { SqliteDeviceSessionStore } from "../storage/sqlite/device-session-repository.ts";
import { openDatabase } from "../storage/sqlite/open-database.ts";
import {
  DeviceSessions,
  type FeedbackItem,
  MAX_QUEUED_FEEDBACK,
  type SessionConnection,
} from "./device-sessions.ts";

/** A connection that records what it was sent and hands back what it "had in flight" when taken over. */
class RecordingConnection implements SessionConnection {
  readonly sent: string[] = [];
  takenOver = false;
  constructor(private readonly inFlight: FeedbackItem[] = []) {}
  sendFeedback(item: FeedbackItem): void {
    this.sent.push(item.payload.toString());
  }
  takeOver(): FeedbackItem[] {
    this.takenOver = true;
    return this.inFlight;
  }
}

async function openSessions(t: TestContext, ...sources: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "aiida-device-sessions-"));
  const db = openDatabase(join(dir, "hub.sqlite"));
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const dataSources = new SqliteDataSourceStore(db, DataSourceKeys.load(db));
  for (const id of sources) await dataSources.create(testDataSource(id), hashDevicePassword("pw"));
  const store = new SqliteDeviceSessionStore(db);
  // The broker asks its in-memory directory, synchronously; here the same question goes to the file.
  const exists = (id: string) => db.prepare("SELECT 1 FROM data_source WHERE id = ?").get(id) !== undefined;
  let now = 1_000_000;
  const clock = { advance: (ms: number) => (now += ms) };
  const open = (over: DeviceSessionStore = store, logger: Logger = silentLogger) =>
    new DeviceSessions(over, exists, logger, () => now);
  return { store, dataSources, open, clock };
}

const report = (text: string) => Buffer.from(text);

test("a persistent session keeps its subscription and queued reports across a restart of the registry", async (t) => {
  const { open } = await openSessions(t, "meter");
  const before = open();
  const first = new RecordingConnection();
  before.attach(first, { clientId: "pub-1", sourceId: "meter", cleanStart: true, expiryMs: null });
  before.subscribe("pub-1", 1);
  before.deliver("meter", () => report("live"));
  before.detach(first, "pub-1", [{ payload: report("unacked"), storeId: undefined }]);
  before.deliver("meter", () => report("while away"));
  await before.settled();

  const after = open();
  await after.load();
  assert.equal(after.mayUse("pub-1", "other"), false, "the client id is still bound to its data source");
  const again = new RecordingConnection();
  const resumed = after.attach(again, {
    clientId: "pub-1",
    sourceId: "meter",
    cleanStart: false,
    expiryMs: null,
  });
  assert.equal(resumed.sessionPresent, true);
  assert.equal(resumed.feedbackQos, 1);
  assert.deepEqual(
    (await resumed.waiting).map((item) => item.payload.toString()),
    ["unacked", "while away"],
  );
  assert.deepEqual(first.sent, ["live"]);
});

test("a client id stays with its data source while its session is kept", async (t) => {
  const { open } = await openSessions(t, "meter", "intruder");
  const sessions = open();
  const holder = new RecordingConnection();
  sessions.attach(holder, { clientId: "shared", sourceId: "meter", cleanStart: true, expiryMs: null });
  sessions.detach(holder, "shared", []);
  assert.equal(sessions.mayUse("shared", "intruder"), false);
  assert.equal(sessions.mayUse("shared", "meter"), true);
});

test("a clean start discards the old session and a clean session leaves nothing behind", async (t) => {
  const { open, store } = await openSessions(t, "meter");
  const sessions = open();
  const first = new RecordingConnection();
  sessions.attach(first, { clientId: "pub-1", sourceId: "meter", cleanStart: false, expiryMs: null });
  sessions.subscribe("pub-1", 1);
  sessions.detach(first, "pub-1", []);
  sessions.deliver("meter", () => report("queued"));
  const clean = new RecordingConnection();
  const resumed = sessions.attach(clean, {
    clientId: "pub-1",
    sourceId: "meter",
    cleanStart: true,
    expiryMs: 0,
  });
  assert.equal(resumed.sessionPresent, false);
  assert.deepEqual(await resumed.waiting, []);
  sessions.detach(clean, "pub-1", []);
  await sessions.settled();
  assert.deepEqual(await store.all(), []);
  assert.equal(sessions.size, 0);
});

test("a takeover hands the old connection's undelivered reports to the new one", async (t) => {
  const { open } = await openSessions(t, "meter");
  const sessions = open();
  const old = new RecordingConnection([{ payload: report("in flight"), storeId: undefined }]);
  sessions.attach(old, { clientId: "pub-1", sourceId: "meter", cleanStart: false, expiryMs: null });
  sessions.subscribe("pub-1", 1);
  const replacement = new RecordingConnection();
  const resumed = sessions.attach(replacement, {
    clientId: "pub-1",
    sourceId: "meter",
    cleanStart: false,
    expiryMs: null,
  });
  assert.equal(old.takenOver, true);
  assert.deepEqual(
    (await resumed.waiting).map((item) => item.payload.toString()),
    ["in flight"],
  );
  // The old connection's close comes later and must not end the session the new one holds.
  sessions.detach(old, "pub-1", []);
  sessions.deliver("meter", () => report("next"));
  assert.deepEqual(replacement.sent, ["next"]);
});

test("an MQTT 5 session ends when its expiry passes; the reports queued for it go with it", async (t) => {
  const { open, store, clock } = await openSessions(t, "meter");
  const sessions = open();
  const connection = new RecordingConnection();
  sessions.attach(connection, { clientId: "v5", sourceId: "meter", cleanStart: true, expiryMs: 60_000 });
  sessions.subscribe("v5", 1);
  sessions.detach(connection, "v5", []);
  sessions.deliver("meter", () => report("queued"));
  await sessions.settled();
  clock.advance(59_000);
  await sessions.sweep();
  assert.equal((await store.queued("v5")).length, 1);
  clock.advance(2_000);
  await sessions.sweep();
  assert.deepEqual(await store.all(), []);
  assert.equal(sessions.mayUse("v5", "anyone"), true);
});

test("at most the newest reports are kept for a device that is away", async (t) => {
  const { open, store } = await openSessions(t, "meter");
  const sessions = open();
  const connection = new RecordingConnection();
  sessions.attach(connection, { clientId: "pub-1", sourceId: "meter", cleanStart: true, expiryMs: null });
  sessions.subscribe("pub-1", 1);
  sessions.detach(connection, "pub-1", []);
  for (let i = 0; i < MAX_QUEUED_FEEDBACK + 5; i++) sessions.deliver("meter", () => report(`r${i}`));
  await sessions.settled();
  const queued = (await store.queued("pub-1")).map((q) => q.payload.toString());
  assert.equal(queued.length, MAX_QUEUED_FEEDBACK);
  assert.equal(queued[0], "r5");
});

test("a session of a deleted data source is ended and its client id is free", async (t) => {
  const { open, dataSources } = await openSessions(t, "meter", "next");
  const sessions = open();
  const connection = new RecordingConnection();
  sessions.attach(connection, { clientId: "pub-1", sourceId: "meter", cleanStart: true, expiryMs: null });
  sessions.detach(connection, "pub-1", []);
  await sessions.settled();
  await dataSources.delete("meter");
  await sessions.sweep();
  assert.equal(sessions.size, 0);
  assert.equal(sessions.mayUse("pub-1", "next"), true);
});

test("a report for a data source with no subscribed session is never encoded", async (t) => {
  const { open } = await openSessions(t, "meter");
  const sessions = open();
  const connection = new RecordingConnection();
  sessions.attach(connection, { clientId: "pub-1", sourceId: "meter", cleanStart: true, expiryMs: 0 });
  let encoded = 0;
  const encode = () => {
    encoded++;
    return report("r");
  };
  sessions.deliver("meter", encode);
  assert.equal(encoded, 0, "no session subscribed: nothing to encode");
  sessions.subscribe("pub-1", 1);
  sessions.deliver("meter", encode);
  assert.equal(encoded, 1);
  assert.deepEqual(connection.sent, ["r"]);
});

test("a client id's store writes keep their order while the store answers late", async (t) => {
  const { open, store } = await openSessions(t, "meter");
  const gated = new GatedSessionStore(store);
  const sessions = open(gated);
  const release = gated.hold("save");
  const connection = new RecordingConnection();
  sessions.attach(connection, { clientId: "pub-1", sourceId: "meter", cleanStart: true, expiryMs: null });
  sessions.subscribe("pub-1", 1);
  sessions.detach(connection, "pub-1", [{ payload: report("unacked"), storeId: undefined }]);
  sessions.deliver("meter", () => report("while away"));
  // The session is not written yet: the reports must wait for it, not fail for want of it.
  assert.equal(gated.calls.get("save"), 1, "later writes of the client id wait for the first");
  assert.deepEqual(await store.all(), []);
  release();
  await sessions.settled();
  assert.deepEqual(await store.all(), [
    { clientId: "pub-1", dataSourceId: "meter", feedbackQos: 1, expiresAt: null },
  ]);
  assert.deepEqual(
    (await store.queued("pub-1")).map((q) => q.payload.toString()),
    ["unacked", "while away"],
  );
});

test("a resumed session's queued reports are read after the writes before the reconnect", async (t) => {
  const { open, store } = await openSessions(t, "meter");
  const gated = new GatedSessionStore(store);
  const sessions = open(gated);
  const first = new RecordingConnection();
  sessions.attach(first, { clientId: "pub-1", sourceId: "meter", cleanStart: true, expiryMs: null });
  sessions.subscribe("pub-1", 1);
  await sessions.settled();
  const release = gated.hold("enqueue");
  sessions.detach(first, "pub-1", [{ payload: report("unacked"), storeId: undefined }]);
  const again = new RecordingConnection();
  const resumed = sessions.attach(again, {
    clientId: "pub-1",
    sourceId: "meter",
    cleanStart: false,
    expiryMs: null,
  });
  release();
  assert.deepEqual(
    (await resumed.waiting).map((item) => item.payload.toString()),
    ["unacked"],
    "the report queued at the detach is not missed by the read that followed it",
  );
});

test("a store write that fails is logged and the next one of the client id still runs", async (t) => {
  const { open, store } = await openSessions(t, "meter");
  const logger = capturingLogger();
  const sessions = open(store, logger);
  const stray = new RecordingConnection();
  // No such data source in the file: the store refuses the session.
  sessions.attach(stray, { clientId: "pub-1", sourceId: "gone", cleanStart: true, expiryMs: null });
  sessions.detach(stray, "pub-1", []);
  const connection = new RecordingConnection();
  sessions.attach(connection, { clientId: "pub-1", sourceId: "meter", cleanStart: true, expiryMs: null });
  await sessions.settled();
  const errors = logger.events.filter((e) => e.level === "error").map((e) => e.message);
  assert.deepEqual(errors, ["could not save device session", "could not save device session"]);
  assert.deepEqual(
    (await store.all()).map((s) => s.dataSourceId),
    ["meter"],
  );
});
