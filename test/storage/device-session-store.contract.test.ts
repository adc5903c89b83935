import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { DeviceSessionRecord } from "../../src/storage/ports.ts";
import { PgDeviceSessionStore } from "../../src/storage/postgres/device-session-repository.ts";
import { migratePostgres, PG_MIGRATIONS } from "../../src/storage/postgres/migrations.ts";
import { openPgPool } from "../../src/storage/postgres/pg-pool.ts";
import { SHARING_SCHEMA } from "../../src/storage/postgres/schema-sharing.ts";
import { freshDatabase } from "../helpers/postgres.ts";
import { type SharingStores, sharingBackends } from "../helpers/sharing-store-backends.ts";

const session = (
  clientId: string,
  dataSourceId: string,
  more: Partial<DeviceSessionRecord> = {},
): DeviceSessionRecord => ({
  clientId,
  dataSourceId,
  feedbackQos: 1,
  expiresAt: null,
  ...more,
});
const reports = (...texts: string[]) => texts.map((text) => Buffer.from(text));
const texts = (queued: readonly { payload: Buffer }[]) => queued.map((q) => q.payload.toString());
const clientIds = async (stores: SharingStores) =>
  (await stores.sessions.all()).map((s) => s.clientId).sort();
const feedbackRows = async (stores: SharingStores) =>
  Number((await stores.rows<{ n: number }>("SELECT count(*) AS n FROM device_session_feedback"))[0]?.n);

for (const backend of sharingBackends()) {
  describe(`device session store on ${backend.name}`, () => {
    before(() => backend.setUp());
    after(() => backend.tearDown());

    /** Empty stores with data sources `ids`. */
    async function openWithSources(...ids: string[]): Promise<SharingStores> {
      const stores = await backend.open(undefined);
      for (const id of ids) await stores.addDataSource(id);
      return stores;
    }

    it("keeps sessions and their queued feedback across a reopen, byte for byte, and never reuses an id", async () => {
      const first = await openWithSources("meter");
      const longClientId = `é${"x".repeat(65_533)}`; // 65,535 bytes in UTF-8, the most MQTT allows
      // As long, but random: no compression shrinks it below the size of an index entry.
      const randomClientId = randomBytes(49_152).toString("base64").slice(0, 65_535);
      const binary = Buffer.from([0x00, 0xff, 0x7b, 0x0a, 0x00]);
      await first.sessions.save(session("pub-1", "meter", { feedbackQos: 2, expiresAt: null }));
      await first.sessions.save(
        session(longClientId, "meter", { feedbackQos: null, expiresAt: 1_900_000_000_123 }),
      );
      await first.sessions.save(session(randomClientId, "meter"));
      await first.sessions.enqueue("pub-1", [Buffer.from("{}"), binary], 50);
      await first.sessions.enqueue(randomClientId, reports("for the random id"), 50);
      const before = await first.sessions.queued("pub-1");

      const second = await first.reopen();
      const byClientId = (a: DeviceSessionRecord, b: DeviceSessionRecord) =>
        a.clientId < b.clientId ? -1 : 1;
      assert.deepEqual(
        (await second.sessions.all()).sort(byClientId),
        [
          session("pub-1", "meter", { feedbackQos: 2 }),
          session(randomClientId, "meter"),
          session(longClientId, "meter", { feedbackQos: null, expiresAt: 1_900_000_000_123 }),
        ].sort(byClientId),
      );
      assert.deepEqual(texts(await second.sessions.queued(randomClientId)), ["for the random id"]);
      const after = await second.sessions.queued("pub-1");
      assert.deepEqual(after, before);
      assert.ok(Buffer.isBuffer(after[1]?.payload));
      assert.ok(after[1]?.payload.equals(binary), "a binary payload comes back unchanged");
      assert.deepEqual(await second.sessions.queued(longClientId), []);

      // An id is never handed out twice, even once every report was delivered and the hub restarted.
      await second.sessions.delivered(
        "pub-1",
        after.map((q) => q.id),
      );
      const lastId = after.at(-1)?.id ?? 0;
      const third = await second.reopen();
      await third.sessions.enqueue("pub-1", reports("next"), 50);
      const [next] = await third.sessions.queued("pub-1");
      assert.ok(next !== undefined && next.id > lastId, `id ${next?.id} follows ${lastId}`);
    });

    it("holds the bound for all sessions of a data source together and drops the oldest first", async () => {
      const stores = await openWithSources("meter", "other");
      const { sessions } = stores;
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
      assert.equal(await feedbackRows(stores), 7);

      // Nothing new and a lower bound: the oldest beyond it go all the same.
      assert.equal(await sessions.enqueue("a1", [], 1), 3);
      assert.deepEqual(texts(await sessions.queued("a1")), ["10"]);
    });

    it("ends a data source's sessions and drops their feedback when it is deleted; other sources keep theirs", async () => {
      const stores = await openWithSources("meter", "other");
      const { sessions } = stores;
      await sessions.save(session("a1", "meter"));
      await sessions.save(session("a2", "meter", { expiresAt: 5 }));
      await sessions.save(session("b1", "other"));
      await sessions.enqueue("a1", reports("a"), 50);
      await sessions.enqueue("a2", reports("a"), 50);
      await sessions.enqueue("b1", reports("b"), 50);

      await stores.rows("DELETE FROM data_source WHERE id = ?", ["meter"]);
      assert.deepEqual(await clientIds(stores), ["b1"]);
      assert.deepEqual(await sessions.queued("a1"), []);
      assert.equal(await feedbackRows(stores), 1, "no feedback row outlives its session");
      assert.deepEqual(texts(await sessions.queued("b1")), ["b"]);
    });

    it("keeps a client id's queue when it is saved again for the same data source and drops it for another", async () => {
      const { sessions } = await openWithSources("meter", "other");
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

    it("removeExpired ends the sessions expired at or before now, never those without an expiry", async () => {
      const stores = await openWithSources("meter");
      const { sessions } = stores;
      const now = 1_800_000_000_007;
      await sessions.save(session("gone-earlier", "meter", { expiresAt: now - 1 }));
      await sessions.save(session("gone-now", "meter", { expiresAt: now }));
      await sessions.save(session("stays", "meter", { expiresAt: now + 1 }));
      await sessions.save(session("forever", "meter", { expiresAt: null }));
      await sessions.enqueue("gone-now", reports("x"), 50);
      await sessions.enqueue("stays", reports("y"), 50);

      assert.deepEqual((await sessions.removeExpired(now)).sort(), ["gone-earlier", "gone-now"]);
      assert.deepEqual(await clientIds(stores), ["forever", "stays"]);
      assert.equal(await feedbackRows(stores), 1);
      assert.deepEqual(await sessions.removeExpired(now), [], "nothing twice");

      await sessions.remove("stays");
      assert.deepEqual(await clientIds(stores), ["forever"]);
      assert.equal(await feedbackRows(stores), 0, "remove drops the queue with the session");
      await sessions.remove("nobody"); // ending a session that is not there changes nothing
      assert.deepEqual(await clientIds(stores), ["forever"]);
    });

    it("delivered removes only the session's own ids and ignores another session's", async () => {
      const { sessions } = await openWithSources("meter");
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
      await sessions.delivered("a", []);
      assert.deepEqual(texts(await sessions.queued("a")), ["a2"]);
    });

    it("refuses bad calls with a precise error and changes nothing", async () => {
      const stores = await openWithSources("meter");
      const { sessions } = stores;
      await sessions.save(session("pub", "meter"));
      await sessions.enqueue("pub", reports("kept"), 50);
      const longClientId = "y".repeat(65_535);

      await assert.rejects(
        async () => sessions.save(session("pub", "nowhere")),
        /^Error: The session of client id "pub" was not saved: data source "nowhere" does not exist\.$/,
      );
      await assert.rejects(
        async () => sessions.save(session(longClientId, "nowhere")),
        (err: Error) => err.message.length < 300,
      );
      assert.deepEqual(await sessions.all(), [session("pub", "meter")]);
      assert.deepEqual(texts(await sessions.queued("pub")), ["kept"]);

      await assert.rejects(
        async () => sessions.enqueue("stranger", reports("x"), 50),
        /^Error: No feedback was queued: client id "stranger" has no kept session\.$/,
      );
      await assert.rejects(async () => sessions.enqueue("pub", reports("x"), -1), RangeError);
      await assert.rejects(async () => sessions.enqueue("pub", reports("x"), 1.5), RangeError);
      await assert.rejects(
        async () => sessions.save({ ...session("pub", "meter"), feedbackQos: 3 as 0 }),
        /check constraint/i,
      );
      assert.equal(await feedbackRows(stores), 1);
      assert.deepEqual(await sessions.all(), [session("pub", "meter")]);
    });
  });
}

describe("device sessions on a PostgreSQL database migrated from before the sharing schema", () => {
  it("migrates with its data sources, which then take sessions that end with them", async (t) => {
    const database = await freshDatabase();
    t.after(() => database.drop());
    const pool = openPgPool(database.url, { max: 2 });
    t.after(() => pool.end());
    const before = SHARING_SCHEMA.version - 1;
    assert.equal(await migratePostgres(pool, before), before);
    const tables = await pool.query("SELECT 1 FROM pg_tables WHERE tablename = 'device_session'");
    assert.equal(tables.rowCount, 0, "the old schema has no session table yet");
    await pool.query(
      `INSERT INTO data_source (id, name, type, asset, role, country_code, icon, enabled, created_at, updated_at)
       VALUES ('meter', 'meter', 'CIM', 'SUBMETER', 'OTHER_CONSUMER', 'AT', 'METER', true, now(), now())`,
    );

    const newest = PG_MIGRATIONS.at(-1)?.version;
    assert.equal(await migratePostgres(pool), newest);
    const sessions = new PgDeviceSessionStore(pool);
    await sessions.save(session("pub", "meter"));
    await sessions.enqueue("pub", reports("r"), 50);
    assert.deepEqual(texts(await sessions.queued("pub")), ["r"]);
    await pool.query("DELETE FROM data_source WHERE id = 'meter'");
    assert.deepEqual(
      await sessions.all(),
      [],
      "the cascade works for a data source older than the migration",
    );
    assert.equal(await migratePostgres(pool), newest, "migrating again changes nothing");
  });
});
