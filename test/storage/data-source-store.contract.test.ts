import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { DataSource } from "../../src/domain/data-source.ts";
import { hashDevicePassword, verifyDevicePassword } from "../../src/platform/secrets.ts";
import type { DataSourcePatch } from "../../src/storage/ports.ts";
import { testDataSource } from "../helpers/data-source-fixture.ts";
import { BACKENDS, openPostgresBackend, type StoreBackend } from "../helpers/store-backends.ts";

/** A created-at with a millisecond part: a store that rounds to seconds (or to microseconds wrongly) fails. */
const CREATED = 1_700_000_000_123;

/** A data source with a fresh id, so that cases sharing one database never meet. */
function newSource(overrides: Partial<DataSource> = {}): DataSource {
  return { ...testDataSource(randomUUID(), CREATED), ...overrides };
}

/** Its ACL rows in a stable order, without the dialect's column types. */
async function aclOf(backend: StoreBackend, id: string): Promise<string[]> {
  const rows = await backend.rows(
    "SELECT action, permission, topic FROM data_source_mqtt_acl WHERE username = $1 ORDER BY action, topic",
    [id],
  );
  return rows.map((r) => `${r.action} ${r.permission} ${r.topic}`);
}

async function keyOf(backend: StoreBackend, id: string): Promise<number | undefined> {
  const rows = await backend.rows("SELECT key FROM data_source WHERE id = $1", [id]);
  return rows[0] === undefined ? undefined : Number(rows[0].key);
}

async function deletedKeys(backend: StoreBackend): Promise<number[]> {
  const rows = await backend.rows("SELECT key FROM deleted_data_source ORDER BY key");
  return rows.map((r) => Number(r.key));
}

/** Every patchable field with a value other than testDataSource's. */
const FIELD_PATCHES: readonly DataSourcePatch[] = [
  { name: "Heat pump in the cellar" },
  { asset: "CONNECTION-AGREEMENT-POINT" },
  { role: "HEAT_PUMP" },
  { countryCode: "DE" },
  { icon: "HEAT" },
  { meterId: "meter-42" },
  { operatorId: "operator-7" },
  { plausibility: { "1-0:1.7.0": { min: 0, max: 12.5 }, "1-0:2.7.0": { max: 3 } } },
  { enabled: false },
];

/** Each of the same fields set back to what testDataSource has (null where it may be null). */
const FIELD_RESETS: readonly DataSourcePatch[] = [
  { meterId: null },
  { operatorId: null },
  { plausibility: null },
  { enabled: true },
];

for (const kind of BACKENDS) {
  describe(`DataSourceStore on ${kind.name}`, () => {
    let backend: StoreBackend;
    before(async () => {
      backend = await kind.open();
    });
    after(() => backend.close());

    it("gives back a created data source as it was, to the millisecond", async () => {
      const source = newSource({
        meterId: "m-1",
        operatorId: null,
        plausibility: { "1-0:1.7.0": { min: -1, max: 5.5 } },
        updatedAt: CREATED + 1,
      });
      await backend.dataSources.create(source, hashDevicePassword("pw"));
      assert.deepEqual(await backend.dataSources.get(source.id), source);
    });

    it("stores the device's hash and salt as given, and exactly its two ACL rows", async () => {
      const source = newSource();
      const password = hashDevicePassword("device secret");
      await backend.dataSources.create(source, password);
      const users = await backend.rows(
        "SELECT password_hash, salt FROM data_source_mqtt_user WHERE username = $1",
        [source.id],
      );
      assert.deepEqual(users, [{ password_hash: password.hash, salt: password.salt }]);
      assert.deepEqual(await aclOf(backend, source.id), [
        `publish allow aiida/${source.id}/data`,
        `subscribe allow aiida/${source.id}/feedback`,
      ]);
    });

    it("lists data sources oldest first, those created at the same time in the order they were created", async () => {
      const before = new Set((await backend.dataSources.list()).map((s) => s.id));
      const late = newSource({ createdAt: CREATED + 2000, updatedAt: CREATED + 2000 });
      const first = newSource({ createdAt: CREATED + 1000, updatedAt: CREATED + 1000 });
      const second = newSource({ createdAt: CREATED + 1000, updatedAt: CREATED + 1000 });
      for (const s of [late, first, second]) await backend.dataSources.create(s, hashDevicePassword("pw"));
      const added = (await backend.dataSources.list()).filter((s) => !before.has(s.id));
      assert.deepEqual(added, [first, second, late]);
    });

    it("answers credentials with each source's enabled flag and a hash its password verifies against", async () => {
      const on = newSource();
      const off = newSource({ enabled: false });
      await backend.dataSources.create(on, hashDevicePassword("on-pw"));
      await backend.dataSources.create(off, hashDevicePassword("off-pw"));
      const credentials = await backend.dataSources.credentials();
      const byId = new Map(credentials.map((c) => [c.dataSourceId, c]));
      assert.equal(byId.get(on.id)?.enabled, true);
      assert.equal(byId.get(off.id)?.enabled, false);
      assert.equal(verifyDevicePassword("on-pw", byId.get(on.id)?.password ?? { hash: "", salt: "" }), true);
      assert.equal(
        verifyDevicePassword("off-pw", byId.get(on.id)?.password ?? { hash: "", salt: "" }),
        false,
      );
      assert.equal(
        credentials.length,
        (await backend.dataSources.list()).length,
        "one credential per source",
      );
      assert.deepEqual(await backend.dataSources.credential(off.id), byId.get(off.id), "one source's alone");
      assert.equal(await backend.dataSources.credential("no-such-source"), undefined);
    });

    it("refuses a second data source with the same id and keeps the first as it was", async () => {
      const source = newSource();
      const password = hashDevicePassword("first");
      await backend.dataSources.create(source, password);
      await assert.rejects(
        backend.dataSources.create({ ...source, name: "impostor" }, hashDevicePassword("2")),
      );
      assert.deepEqual(await backend.dataSources.get(source.id), source);
      const mine = (await backend.dataSources.credentials()).filter((c) => c.dataSourceId === source.id);
      assert.deepEqual(
        mine.map((c) => c.password),
        [password],
      );
      assert.equal((await aclOf(backend, source.id)).length, 2, "no ACL rows added");
    });

    for (const patch of [...FIELD_PATCHES, ...FIELD_RESETS]) {
      it(`changes ${JSON.stringify(patch)} and nothing else but the update time`, async () => {
        // Each field starts other than the patch sets it, so a patch that is not written shows.
        const stored = newSource({
          meterId: "m",
          operatorId: "o",
          plausibility: { "1-0:1.8.0": { min: 0 } },
          enabled: patch.enabled !== true,
        });
        await backend.dataSources.create(stored, hashDevicePassword("pw"));
        const source = stored;
        const now = CREATED + 5_000_001;
        const expected = { ...stored, ...patch, updatedAt: now };
        assert.deepEqual(await backend.dataSources.update(source.id, patch, now), expected);
        assert.deepEqual(await backend.dataSources.get(source.id), expected);
      });
    }

    it("with an empty patch changes only the update time", async () => {
      const source = newSource();
      await backend.dataSources.create(source, hashDevicePassword("pw"));
      const now = CREATED + 77;
      assert.deepEqual(await backend.dataSources.update(source.id, {}, now), { ...source, updatedAt: now });
    });

    it("updates several fields at once", async () => {
      const source = newSource();
      await backend.dataSources.create(source, hashDevicePassword("pw"));
      const patch: DataSourcePatch = {
        name: "renamed",
        enabled: false,
        countryCode: "FR",
      };
      const updated = await backend.dataSources.update(source.id, patch, CREATED + 9);
      assert.deepEqual(updated, {
        ...source,
        name: "renamed",
        enabled: false,
        countryCode: "FR",
        updatedAt: CREATED + 9,
      });
    });

    it("answers undefined for updating an unknown id and creates nothing", async () => {
      const count = (await backend.dataSources.list()).length;
      const id = randomUUID();
      assert.equal(await backend.dataSources.update(id, { name: "x" }, CREATED), undefined);
      assert.equal(await backend.dataSources.get(id), undefined);
      assert.equal((await backend.dataSources.list()).length, count);
    });

    it("refuses a patch with a field a data source cannot change, and changes nothing", async () => {
      const source = newSource();
      await backend.dataSources.create(source, hashDevicePassword("pw"));
      const bad = { name: "changed", owner: "mallory" } as unknown as DataSourcePatch;
      await assert.rejects(backend.dataSources.update(source.id, bad, CREATED + 1));
      assert.deepEqual(await backend.dataSources.get(source.id), source);
    });

    it("sets a new device password, which the old one no longer verifies against", async () => {
      const source = newSource();
      await backend.dataSources.create(source, hashDevicePassword("old"));
      const fresh = hashDevicePassword("new");
      assert.equal(await backend.dataSources.setPassword(source.id, fresh, CREATED + 300), true);
      const credential = (await backend.dataSources.credentials()).find((c) => c.dataSourceId === source.id);
      assert.deepEqual(credential?.password, fresh);
      assert.equal(verifyDevicePassword("old", fresh), false);
      assert.equal((await backend.dataSources.get(source.id))?.updatedAt, CREATED + 300);
    });

    it("answers false for a new password of an unknown id and stores no credential", async () => {
      const id = randomUUID();
      assert.equal(await backend.dataSources.setPassword(id, hashDevicePassword("x"), CREATED), false);
      assert.equal(
        (await backend.dataSources.credentials()).some((c) => c.dataSourceId === id),
        false,
      );
      assert.deepEqual(
        await backend.rows("SELECT username FROM data_source_mqtt_user WHERE username = $1", [id]),
        [],
      );
    });

    it("deletes a data source with its credentials, ACL rows and feedback, and marks its records for deletion", async () => {
      const gone = newSource();
      const kept = newSource();
      await backend.dataSources.create(gone, hashDevicePassword("g"));
      await backend.dataSources.create(kept, hashDevicePassword("k"));
      const goneKey = await keyOf(backend, gone.id);
      const keptKey = await keyOf(backend, kept.id);
      for (const key of [goneKey, keptKey]) {
        await backend.run("INSERT INTO feedback_report (data_source_key, report) VALUES ($1, $2)", [
          key,
          "{}",
        ]);
      }

      assert.equal(await backend.dataSources.delete(gone.id), true);

      assert.equal(await backend.dataSources.get(gone.id), undefined);
      assert.equal(
        (await backend.dataSources.list()).some((s) => s.id === gone.id),
        false,
      );
      assert.equal(
        (await backend.dataSources.credentials()).some((c) => c.dataSourceId === gone.id),
        false,
      );
      assert.deepEqual(
        await backend.rows("SELECT salt FROM data_source_mqtt_user WHERE username = $1", [gone.id]),
        [],
      );
      assert.deepEqual(await aclOf(backend, gone.id), []);
      assert.equal(await backend.dataSources.counters(gone.id), undefined);
      const feedback = await backend.rows(
        "SELECT data_source_key FROM feedback_report WHERE data_source_key IN ($1, $2)",
        [goneKey, keptKey],
      );
      assert.deepEqual(
        feedback.map((r) => Number(r.data_source_key)),
        [keptKey],
      );
      assert.ok(
        (await deletedKeys(backend)).includes(goneKey as number),
        "its key waits for the retention job",
      );
      assert.equal((await deletedKeys(backend)).includes(keptKey as number), false);
      assert.deepEqual(await backend.dataSources.get(kept.id), kept);
      assert.equal((await aclOf(backend, kept.id)).length, 2);
    });

    it("answers false for deleting an unknown or already deleted id, and marks nothing", async () => {
      const source = newSource();
      await backend.dataSources.create(source, hashDevicePassword("pw"));
      await backend.dataSources.delete(source.id);
      const marked = await deletedKeys(backend);
      assert.equal(await backend.dataSources.delete(source.id), false);
      assert.equal(await backend.dataSources.delete(randomUUID()), false);
      assert.deepEqual(await deletedKeys(backend), marked);
    });

    it("gives a data source created again under a deleted id a new key and fresh counters", async () => {
      const source = newSource();
      await backend.dataSources.create(source, hashDevicePassword("one"));
      await backend.setCounters(source.id, {
        messagesAccepted: 3,
        messagesRejected: 1,
        valuesAccepted: 9,
        valuesRejected: 2,
        lastMessageAt: CREATED,
      });
      const oldKey = await keyOf(backend, source.id);
      await backend.dataSources.delete(source.id);
      await backend.dataSources.create(source, hashDevicePassword("two"));
      const newKey = await keyOf(backend, source.id);
      assert.notEqual(newKey, oldKey, "records of the old one are never taken for the new one's");
      assert.ok((await deletedKeys(backend)).includes(oldKey as number));
      assert.deepEqual(await backend.dataSources.counters(source.id), {
        messagesAccepted: 0,
        messagesRejected: 0,
        valuesAccepted: 0,
        valuesRejected: 0,
        lastMessageAt: null,
      });
      assert.equal((await aclOf(backend, source.id)).length, 2);
    });

    it("counts nothing for a new data source, and answers undefined for an unknown one", async () => {
      const source = newSource();
      await backend.dataSources.create(source, hashDevicePassword("pw"));
      assert.deepEqual(await backend.dataSources.counters(source.id), {
        messagesAccepted: 0,
        messagesRejected: 0,
        valuesAccepted: 0,
        valuesRejected: 0,
        lastMessageAt: null,
      });
      assert.equal(await backend.dataSources.counters(randomUUID()), undefined);
    });

    it("reads back counters as the record writer left them, the last message to the millisecond", async () => {
      const source = newSource();
      await backend.dataSources.create(source, hashDevicePassword("pw"));
      const counters = {
        messagesAccepted: 5_000_000_001,
        messagesRejected: 7,
        valuesAccepted: 12_345_678_901,
        valuesRejected: 0,
        lastMessageAt: CREATED + 999,
      };
      await backend.setCounters(source.id, counters);
      assert.deepEqual(await backend.dataSources.counters(source.id), counters);
    });
  });
}

describe("DataSourceStore on PostgreSQL only", () => {
  let backend: StoreBackend;
  before(async () => {
    backend = await openPostgresBackend();
  });
  after(() => backend.close());

  it("counts nothing for a data source whose counter row is not there yet", async () => {
    const source = newSource();
    await backend.dataSources.create(source, hashDevicePassword("pw"));
    await backend.run(
      "DELETE FROM ingest_counter WHERE data_source_key = (SELECT key FROM data_source WHERE id = $1)",
      [source.id],
    );
    assert.deepEqual(await backend.dataSources.counters(source.id), {
      messagesAccepted: 0,
      messagesRejected: 0,
      valuesAccepted: 0,
      valuesRejected: 0,
      lastMessageAt: null,
    });
  });

  it("keeps device credentials away from EMQX while the data source is disabled", async () => {
    const source = newSource();
    await backend.dataSources.create(source, hashDevicePassword("pw"));
    const visible = async () =>
      (await backend.rows("SELECT username FROM emqx_mqtt_user WHERE username = $1", [source.id])).length;
    assert.equal(await visible(), 1);
    await backend.dataSources.update(source.id, { enabled: false }, CREATED + 1);
    assert.equal(await visible(), 0);
  });
});
