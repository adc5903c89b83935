import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import Database from "better-sqlite3";
import { testDataSource } from "../../../test/helpers/data-source-fixture.ts";
import { hashDevicePassword } from "../../platform/secrets.ts";
import type { DeviceSessionRecord } from "../ports.ts";
import { DataSourceKeys } from "./data-source-keys.ts";
import { SqliteDataSourceStore } from "./data-source-repository.ts";
import { SqliteDeviceSessionStore } from "./device-session-repository.ts";
import { migrate } from "./migrations.ts";
import { openDatabase } from "./open-database.ts";
import { openSqliteStorage } from "./sqlite-storage.ts";

// Migrations 5 (plausible ranges), 6 (roles) and 7 (energy rollups) came after the sessions' 4.
const LATEST_VERSION = 7;

/** A data source row with only the columns of schema version 3. */
function insertVersion3DataSource(db: Database.Database, id: string): void {
  db.prepare(
    `INSERT INTO data_source (id, name, type, asset, country_code, icon, enabled, owner, created_at, updated_at)
     VALUES (?, ?, 'CIM', 'SUBMETER', 'AT', 'METER', 1, 'admin', 0, 0)`,
  ).run(id, id);
  db.prepare("INSERT INTO data_source_mqtt_user (username, password_hash, salt) VALUES (?, 'h', 's')").run(
    id,
  );
}

function tempFile(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "aiida-sessions-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "hub.sqlite");
}

/** A migrated database on a real file with data sources `ids`, and the stores over it. */
async function openWithSources(t: TestContext, ...ids: string[]) {
  const db = openDatabase(tempFile(t));
  t.after(() => db.close());
  const dataSources = new SqliteDataSourceStore(db, DataSourceKeys.load(db));
  for (const id of ids) await dataSources.create(testDataSource(id), hashDevicePassword("pw"));
  return { db, dataSources, sessions: new SqliteDeviceSessionStore(db) };
}

const session = (clientId: string, dataSourceId: string, more: Partial<DeviceSessionRecord> = {}) => ({
  clientId,
  dataSourceId,
  feedbackQos: 1 as const,
  expiresAt: null,
  ...more,
});
const reports = (...texts: string[]) => texts.map((text) => Buffer.from(text));
const texts = (queued: readonly { payload: Buffer }[]) => queued.map((q) => q.payload.toString());
const feedbackRows = (db: Database.Database) =>
  db.prepare("SELECT count(*) FROM device_session_feedback").pluck().get() as number;

test("sessions and their queued feedback survive closing and reopening the storage, byte for byte", async (t) => {
  const file = tempFile(t);
  const longClientId = `é${"x".repeat(65_533)}`; // 65,535 bytes in UTF-8, the most MQTT allows
  const binary = Buffer.from([0x00, 0xff, 0x7b, 0x0a, 0x00]);
  const first = await openSqliteStorage(file);
  await first.dataSources.create(testDataSource("meter"), hashDevicePassword("pw"));
  await first.deviceSessions.save(session("pub-1", "meter", { feedbackQos: 2, expiresAt: null }));
  await first.deviceSessions.save(
    session(longClientId, "meter", { feedbackQos: null, expiresAt: 1_900_000_000_000 }),
  );
  await first.deviceSessions.enqueue("pub-1", [Buffer.from("{}"), binary], 50);
  const before = await first.deviceSessions.queued("pub-1");
  await first.close();

  const second = await openSqliteStorage(file);
  t.after(() => second.close());
  const kept = (await second.deviceSessions.all()).sort((a, b) => a.clientId.length - b.clientId.length);
  assert.deepEqual(kept, [
    { clientId: "pub-1", dataSourceId: "meter", feedbackQos: 2, expiresAt: null },
    { clientId: longClientId, dataSourceId: "meter", feedbackQos: null, expiresAt: 1_900_000_000_000 },
  ]);
  const after = await second.deviceSessions.queued("pub-1");
  assert.deepEqual(after, before);
  assert.ok(Buffer.isBuffer(after[1]?.payload));
  assert.ok(after[1]?.payload.equals(binary), "a binary payload comes back unchanged");
  assert.deepEqual(await second.deviceSessions.queued(longClientId), []);

  // An id is never handed out twice, even once every report was delivered and the hub restarted.
  await second.deviceSessions.delivered(
    "pub-1",
    after.map((q) => q.id),
  );
  const lastId = after.at(-1)?.id ?? 0;
  await second.deviceSessions.enqueue("pub-1", reports("next"), 50);
  const [next] = await second.deviceSessions.queued("pub-1");
  assert.ok(next !== undefined && next.id > lastId, `id ${next?.id} follows ${lastId}`);
});

test("the bound holds for all sessions of a data source together and drops the oldest first", async (t) => {
  const { db, sessions } = await openWithSources(t, "meter", "other");
  await sessions.save(session("a1", "meter"));
  await sessions.save(session("a2", "meter"));
  await sessions.save(session("b1", "other"));
  await sessions.enqueue("b1", reports("b-1", "b-2", "b-3"), 3);

  assert.equal(await sessions.enqueue("a1", reports("1", "2", "3"), 4), 0);
  assert.equal(await sessions.enqueue("a2", reports("4", "5"), 4), 1, "one over the bound of 4");
  assert.deepEqual(texts(await sessions.queued("a1")), ["2", "3"]);
  assert.deepEqual(texts(await sessions.queued("a2")), ["4", "5"]);

  // More at once than the bound: the older reports go first, then the oldest of the new ones.
  assert.equal(await sessions.enqueue("a1", reports("6", "7", "8", "9", "10"), 4), 5);
  assert.deepEqual(texts(await sessions.queued("a1")), ["7", "8", "9", "10"]);
  assert.deepEqual(texts(await sessions.queued("a2")), []);
  assert.deepEqual(
    texts(await sessions.queued("b1")),
    ["b-1", "b-2", "b-3"],
    "another data source is not touched",
  );
  assert.equal(feedbackRows(db), 7);
});

test("deleting a data source ends its sessions and drops their feedback; other sources keep theirs", async (t) => {
  const { db, dataSources, sessions } = await openWithSources(t, "meter", "other");
  await sessions.save(session("a1", "meter"));
  await sessions.save(session("a2", "meter", { expiresAt: 5 }));
  await sessions.save(session("b1", "other"));
  await sessions.enqueue("a1", reports("a"), 50);
  await sessions.enqueue("a2", reports("a"), 50);
  await sessions.enqueue("b1", reports("b"), 50);

  assert.equal(await dataSources.delete("meter"), true);
  assert.deepEqual(
    (await sessions.all()).map((s) => s.clientId),
    ["b1"],
  );
  assert.deepEqual(await sessions.queued("a1"), []);
  assert.equal(feedbackRows(db), 1, "no feedback row outlives its session");
  assert.deepEqual(texts(await sessions.queued("b1")), ["b"]);
});

test("saving a client id again keeps its queue for the same data source and drops it for another", async (t) => {
  const { sessions } = await openWithSources(t, "meter", "other");
  await sessions.save(session("pub", "meter", { feedbackQos: null }));
  await sessions.enqueue("pub", reports("for meter"), 50);

  await sessions.save(session("pub", "meter", { feedbackQos: 0, expiresAt: 123 }));
  assert.deepEqual(await sessions.all(), [
    { clientId: "pub", dataSourceId: "meter", feedbackQos: 0, expiresAt: 123 },
  ]);
  assert.deepEqual(texts(await sessions.queued("pub")), ["for meter"]);

  await sessions.save(session("pub", "other"));
  assert.deepEqual(await sessions.all(), [
    { clientId: "pub", dataSourceId: "other", feedbackQos: 1, expiresAt: null },
  ]);
  assert.deepEqual(await sessions.queued("pub"), [], "meter's feedback never reaches other's device");
});

test("removeExpired ends the sessions expired at or before now, never those without an expiry", async (t) => {
  const { db, sessions } = await openWithSources(t, "meter");
  const now = 1_800_000_000_000;
  await sessions.save(session("gone-earlier", "meter", { expiresAt: now - 1 }));
  await sessions.save(session("gone-now", "meter", { expiresAt: now }));
  await sessions.save(session("stays", "meter", { expiresAt: now + 1 }));
  await sessions.save(session("forever", "meter", { expiresAt: null }));
  await sessions.enqueue("gone-now", reports("x"), 50);
  await sessions.enqueue("stays", reports("y"), 50);

  assert.deepEqual((await sessions.removeExpired(now)).sort(), ["gone-earlier", "gone-now"]);
  assert.deepEqual((await sessions.all()).map((s) => s.clientId).sort(), ["forever", "stays"]);
  assert.equal(feedbackRows(db), 1);
  assert.deepEqual(await sessions.removeExpired(now), [], "nothing twice");

  await sessions.remove("stays");
  assert.deepEqual(
    (await sessions.all()).map((s) => s.clientId),
    ["forever"],
  );
  assert.equal(feedbackRows(db), 0, "remove drops the queue with the session");
});

test("delivered removes only the session's own ids and ignores another session's", async (t) => {
  const { sessions } = await openWithSources(t, "meter");
  await sessions.save(session("a", "meter"));
  await sessions.save(session("b", "meter"));
  await sessions.enqueue("a", reports("a1", "a2"), 50);
  await sessions.enqueue("b", reports("b1", "b2"), 50);
  const [a1, a2] = await sessions.queued("a");
  const [b1] = await sessions.queued("b");
  assert.ok(a1 && a2 && b1);

  await sessions.delivered("a", [a1.id, b1.id, 999_999]);
  assert.deepEqual(texts(await sessions.queued("a")), ["a2"]);
  assert.deepEqual(texts(await sessions.queued("b")), ["b1", "b2"]);
  await sessions.delivered("a", [a1.id]); // a second PUBACK for the same report
  assert.deepEqual(texts(await sessions.queued("a")), ["a2"]);
});

test("bad calls throw a precise error and change nothing", async (t) => {
  const { db, sessions } = await openWithSources(t, "meter");
  await sessions.save(session("pub", "meter"));
  await sessions.enqueue("pub", reports("kept"), 50);
  const longClientId = "y".repeat(65_535);

  await assert.rejects(
    () => sessions.save(session("pub", "nowhere")),
    /The session of client id "pub" was not saved: data source "nowhere" does not exist\./,
  );
  await assert.rejects(
    () => sessions.save(session(longClientId, "nowhere")),
    (err: Error) => err.message.length < 300,
  );
  assert.deepEqual(await sessions.all(), [session("pub", "meter")]);
  assert.deepEqual(texts(await sessions.queued("pub")), ["kept"]);

  await assert.rejects(
    () => sessions.enqueue("stranger", reports("x"), 50),
    /No feedback was queued: client id "stranger" has no kept session\./,
  );
  await assert.rejects(() => sessions.enqueue("pub", reports("x"), -1), RangeError);
  await assert.rejects(() => sessions.enqueue("pub", reports("x"), 1.5), RangeError);
  await assert.rejects(
    () => sessions.save({ ...session("pub", "meter"), feedbackQos: 3 as 0 }),
    /CHECK constraint failed/,
  );
  assert.equal(feedbackRows(db), 1);
  assert.deepEqual(await sessions.all(), [session("pub", "meter")]);
});

test("a database of schema version 3 with data migrates to the session tables, and its data sources take sessions", async (t) => {
  const file = tempFile(t);
  const old = new Database(file);
  assert.equal(migrate(old, 3), 3);
  // Written as version 3 wrote it: today's store has columns that version did not.
  insertVersion3DataSource(old, "meter");
  old.prepare("INSERT INTO admin_user (username, password_hash) VALUES ('admin', 'h')").run();
  assert.equal(
    old.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'device_session'").pluck().get(),
    0,
    "the old schema has no session table yet",
  );
  old.close();

  const db = openDatabase(file);
  t.after(() => db.close());
  assert.equal(db.prepare("SELECT max(version) FROM schema_migration").pluck().get(), LATEST_VERSION);
  assert.equal(db.prepare("SELECT username FROM admin_user").pluck().get(), "admin");
  const dataSources = new SqliteDataSourceStore(db, DataSourceKeys.load(db));
  assert.equal((await dataSources.get("meter"))?.name, "meter");
  const sessions = new SqliteDeviceSessionStore(db);
  await sessions.save(session("pub", "meter"));
  await sessions.enqueue("pub", reports("r"), 50);
  assert.deepEqual(texts(await sessions.queued("pub")), ["r"]);
  assert.equal(await dataSources.delete("meter"), true);
  assert.deepEqual(await sessions.all(), [], "the cascade works for a data source older than the migration");
  assert.equal(migrate(db), LATEST_VERSION, "migrating again changes nothing");
});
