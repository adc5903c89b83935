import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import { DeviceDirectory } from "../../src/broker/device-directory.ts";
import { PgNotifier } from "../../src/cluster/pg-notifier.ts";
import { type SourceCatalog, SourceSync } from "../../src/hub-cluster/source-sync.ts";
import { hashDevicePassword } from "../../src/platform/secrets.ts";
import { DATA_SOURCE_CHANGES_CHANNEL } from "../../src/storage/postgres/data-source-changes.ts";
import { PgDataSourceStore } from "../../src/storage/postgres/data-source-repository.ts";
import { migratePostgres } from "../../src/storage/postgres/migrations.ts";
import { openPgPool, type PgPool } from "../../src/storage/postgres/pg-pool.ts";
import { testDataSource } from "../helpers/data-source-fixture.ts";
import { type FreshDatabase, freshDatabase } from "../helpers/postgres.ts";
import { waitFor } from "../helpers/wait-for.ts";

/** The bound: a credential change disconnects the device on whichever instance holds it within this. */
const DISCONNECT_WITHIN_MS = 1000;
/** A name the test trigger refuses at COMMIT: the store's transaction has announced the change by then. */
const REFUSED_AT_COMMIT = "refused-at-commit";

/** What SourceSync reads, over the real PostgreSQL store of one instance. */
function catalogOf(store: PgDataSourceStore): SourceCatalog {
  return {
    get: (id) => store.get(id),
    credential: async (id) => (await store.credentials()).find((c) => c.dataSourceId === id),
    list: () => store.list(),
    credentials: () => store.credentials(),
  };
}

describe("SourceSync: data source changes committed on instance B reach instance A's directory", () => {
  let db: FreshDatabase;
  let poolA: PgPool;
  let poolB: PgPool;
  let storeB: PgDataSourceStore;
  let notifierA: PgNotifier;
  let directoryA: DeviceDirectory;
  let sync: SourceSync;
  /** Disconnects on A, each with when it happened (performance.now()). */
  let disconnects: { id: string; at: number }[];

  before(async () => {
    db = await freshDatabase();
    poolA = openPgPool(db.url);
    poolB = openPgPool(db.url);
    await migratePostgres(poolA);
    await poolA.query(`
      CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused at commit'; END $$;
      CREATE CONSTRAINT TRIGGER refuse_marked AFTER UPDATE ON data_source DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.name = '${REFUSED_AT_COMMIT}') EXECUTE FUNCTION refuse_marked();
    `);
    storeB = new PgDataSourceStore(poolB);
    notifierA = new PgNotifier({
      url: db.url,
      pool: poolA,
      applicationName: "instance A listen",
      reconnectDelayMs: 1500,
    });
    await notifierA.start();
    directoryA = new DeviceDirectory();
    disconnects = [];
    sync = new SourceSync({
      notifier: notifierA,
      channel: DATA_SOURCE_CHANGES_CHANNEL,
      catalog: catalogOf(new PgDataSourceStore(poolA)),
      directory: directoryA,
      disconnect: (id) => disconnects.push({ id, at: performance.now() }),
    });
    await sync.start();
  });

  after(async () => {
    await sync.stop();
    await notifierA.stop();
    await poolA.end();
    await poolB.end();
    await db.drop();
  });

  beforeEach(() => {
    disconnects = [];
  });

  /** Creates a data source on B and waits until A's directory has it. */
  async function createdOnB(): Promise<string> {
    const id = randomUUID();
    await storeB.create(testDataSource(id, Date.now()), hashDevicePassword("first"));
    await waitFor(() => directoryA.get(id), "the new data source in A's directory");
    return id;
  }

  /** Milliseconds from `committedAt` until A disconnected `id`. */
  async function disconnectDelay(id: string, committedAt: number): Promise<number> {
    const event = await waitFor(() => disconnects.find((d) => d.id === id), `A disconnecting ${id}`);
    return event.at - committedAt;
  }

  it("puts a data source created on B into A's directory, with its password hash, and disconnects nothing", async () => {
    const id = randomUUID();
    const password = hashDevicePassword("secret");
    await storeB.create(testDataSource(id, Date.now()), password);
    const entry = await waitFor(() => directoryA.get(id), "the data source in A's directory");
    assert.deepEqual(entry.password, password);
    assert.equal(entry.source.name, id);
    assert.deepEqual(disconnects, []);
  });

  it("disconnects a re-keyed data source on A within 1 s and holds the new hash", async () => {
    const id = await createdOnB();
    const rekeyed = hashDevicePassword("second");
    assert.equal(await storeB.setPassword(id, rekeyed, Date.now()), true);
    const delay = await disconnectDelay(id, performance.now());
    assert.ok(delay < DISCONNECT_WITHIN_MS, `disconnected after ${delay} ms`);
    assert.deepEqual(directoryA.get(id)?.password, rekeyed);
  });

  it("disconnects a disabled data source on A within 1 s and keeps it, disabled", async () => {
    const id = await createdOnB();
    await storeB.update(id, { enabled: false }, Date.now());
    const delay = await disconnectDelay(id, performance.now());
    assert.ok(delay < DISCONNECT_WITHIN_MS, `disconnected after ${delay} ms`);
    assert.equal(directoryA.get(id)?.source.enabled, false);
  });

  it("disconnects a deleted data source on A within 1 s and removes it", async () => {
    const id = await createdOnB();
    assert.equal(await storeB.delete(id), true);
    const delay = await disconnectDelay(id, performance.now());
    assert.ok(delay < DISCONNECT_WITHIN_MS, `disconnected after ${delay} ms`);
    assert.equal(directoryA.get(id), undefined);
  });

  it("updates a renamed data source without disconnecting it", async () => {
    const id = await createdOnB();
    await storeB.update(id, { name: "renamed" }, Date.now());
    await waitFor(() => directoryA.get(id)?.source.name === "renamed", "the new name on A");
    assert.deepEqual(disconnects, []);
  });

  it("sends nothing for a change whose transaction is rolled back", async () => {
    const id = await createdOnB();
    const marker = await createdOnB();
    await assert.rejects(
      storeB.update(id, { enabled: false, name: REFUSED_AT_COMMIT }, Date.now()),
      /refused at commit/,
    );
    // Notifications arrive in commit order: once the marker's change is on A, a rolled-back one would be too.
    await storeB.update(marker, { name: "after the rollback" }, Date.now());
    await waitFor(() => directoryA.get(marker)?.source.name === "after the rollback", "the marker on A");
    assert.equal(directoryA.get(id)?.source.enabled, true);
    assert.equal(directoryA.get(id)?.source.name, id);
    assert.deepEqual(disconnects, []);
  });

  it("reads everything again after its listen session was terminated, catching a change made meanwhile", async () => {
    const kept = await createdOnB();
    const rekeyed = await createdOnB();
    const deleted = await createdOnB();
    await poolB.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'instance A listen'",
    );
    await waitFor(() => !notifierA.connected, "A noticing its listen session is gone");
    const created = randomUUID();
    await storeB.create(testDataSource(created, Date.now()), hashDevicePassword("new"));
    await storeB.setPassword(rekeyed, hashDevicePassword("other"), Date.now());
    await storeB.delete(deleted);
    assert.equal(notifierA.connected, false, "the changes were committed while A did not listen");
    await waitFor(() => notifierA.connected, "A listening again", 10_000);
    // One resync applies everything at once: once these show, its disconnects are all made.
    await waitFor(() => directoryA.get(created) && !directoryA.get(deleted), "A's directory resynced");
    // Earlier cases' disabled data source is disconnected again too: only this case's are compared.
    const ofThisCase = new Set([kept, rekeyed, deleted, created]);
    const disconnected = disconnects.map((d) => d.id).filter((id) => ofThisCase.has(id));
    assert.deepEqual(disconnected.sort(), [deleted, rekeyed].sort());
    assert.ok(directoryA.get(kept), "an unchanged data source stays");
  });
});
