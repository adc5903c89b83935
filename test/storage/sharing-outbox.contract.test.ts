import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { OutboxEntry, OutboxKind, SharingOutboxStore } from "../../src/storage/ports.ts";
import { migratePostgres } from "../../src/storage/postgres/migrations.ts";
import { openPgPool } from "../../src/storage/postgres/pg-pool.ts";
import { PgSharingOutboxStore } from "../../src/storage/postgres/sharing-outbox-repository.ts";
import { freshDatabase } from "../helpers/postgres.ts";
import { type SharingStores, sharingBackends } from "../helpers/sharing-store-backends.ts";

const PERMISSION = "70744400-a059-4fc8-ab36-d68b2bb877e1";
const OTHER = "0b0b0b0b-0000-4000-8000-000000000002";
// An odd millisecond: the stored times must keep it.
const T0 = Date.parse("2026-02-11T15:32:00.123Z");
const RAW = "SMART-METER-P1-RAW";
const CIM = "SMART-METER-P1-CIM";

function entry(kind: OutboxKind, payload: string, more: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    permissionId: PERMISSION,
    kind,
    channel: kind === "data" ? RAW : "status",
    topic: "t",
    payload,
    retain: kind === "status",
    dataTags: kind === "data" ? ["1-0:1.7.0"] : [],
    createdAt: T0,
    ...more,
  };
}

const payloads = async (store: SharingOutboxStore, permissionId = PERMISSION, includeData = true) =>
  (await store.next(permissionId, 100, includeData)).map((m) => m.payload);

/** Data rows of a permission as the table holds them: the store's count must always equal it. */
async function dataRows(stores: SharingStores, permissionId = PERMISSION): Promise<number> {
  const [row] = await stores.rows<{ n: number }>(
    "SELECT count(*) AS n FROM sharing_outbox WHERE permission_id = ? AND kind = 'data'",
    [permissionId],
  );
  return Number(row?.n);
}

async function assertCountHolds(stores: SharingStores, permissionId = PERMISSION): Promise<void> {
  assert.equal((await stores.outbox.state(permissionId))?.dataMessages, await dataRows(stores, permissionId));
}

for (const backend of sharingBackends()) {
  describe(`sharing outbox store on ${backend.name}`, () => {
    before(() => backend.setUp());
    after(() => backend.tearDown());

    it("drops the oldest data messages beyond the cap, never one in flight nor a status message", async () => {
      const stores = await backend.open(undefined);
      const store = stores.outbox;
      await store.append([
        {
          permissionId: PERMISSION,
          entries: [entry("data", "a"), entry("data", "b")],
          maxDataMessages: 3,
          inFlight: [],
        },
      ]);
      const [first] = await store.next(PERMISSION, 1, true);
      await store.append([
        {
          permissionId: PERMISSION,
          entries: [entry("data", "c"), entry("data", "d"), entry("data", "e")],
          maxDataMessages: 3,
          inFlight: [first?.id ?? 0],
        },
      ]);
      assert.deepEqual(await payloads(store), ["a", "d", "e"]);
      assert.equal((await store.state(PERMISSION))?.droppedOldest, 2);
      assert.equal((await store.state(PERMISSION))?.dataMessages, 3);

      assert.equal(await store.beginFinish(PERMISSION, "REVOKED", entry("status", "s"), false), true);
      assert.equal(await store.beginFinish(PERMISSION, "REVOKED", entry("status", "s2"), false), false);
      assert.deepEqual(await payloads(store, PERMISSION, false), ["s"]);
      assert.deepEqual(await store.finishingPermissionIds(), [PERMISSION]);

      await store.delivered([
        { id: first?.id ?? 0, sentAt: T0 + 1 },
        { id: first?.id ?? 0, sentAt: T0 + 2 },
      ]);
      assert.deepEqual(await store.sentValues(PERMISSION), [
        { schema: RAW, obisCode: "1-0:1.7.0", values: 1, firstSentAt: T0 + 1, lastSentAt: T0 + 1 },
      ]);
      assert.equal(await store.finish(PERMISSION, T0 + 3), 3);
      const state = await store.state(PERMISSION);
      assert.deepEqual(
        [state?.dataMessages, state?.statusMessages, state?.discardedAtEnd, state?.finishedAt],
        [0, 0, 3, T0 + 3],
      );
      assert.deepEqual(await store.finishingPermissionIds(), []);
      await assertCountHolds(stores);
    });

    it("appends several permissions' messages in one call, in order, each field as written", async () => {
      const stores = await backend.open(undefined);
      const store = stores.outbox;
      assert.equal(await store.state(PERMISSION), undefined, "no state before the first message");
      const tagged = entry("data", '{"v":1}', {
        channel: CIM,
        topic: "aiida/v1/p/data/outbound/smart-meter-p1-cim",
        retain: true,
        dataTags: ["1-0:1.8.0", "1-0:2.8.0"],
        createdAt: T0 + 7,
      });
      await store.append([
        {
          permissionId: PERMISSION,
          entries: [entry("status", "s1", { createdAt: T0 - 5 }), tagged, entry("data", "d2")],
          maxDataMessages: 10,
          inFlight: [],
        },
        {
          permissionId: OTHER,
          entries: [entry("data", "o1", { permissionId: OTHER })],
          maxDataMessages: 10,
          inFlight: [],
        },
      ]);
      const messages = await store.next(PERMISSION, 10, true);
      assert.deepEqual(
        messages.map(({ id: _, ...m }) => m),
        [entry("status", "s1", { createdAt: T0 - 5 }), tagged, entry("data", "d2")],
      );
      const ids = messages.map((m) => m.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        "ids ascend in the order written",
      );
      assert.deepEqual(await payloads(store, OTHER), ["o1"]);
      assert.deepEqual(
        (await store.next(PERMISSION, 2, true)).map((m) => m.payload),
        ["s1", '{"v":1}'],
        "limit",
      );
      assert.deepEqual(await payloads(store, PERMISSION, false), ["s1"], "status messages only");
      assert.deepEqual(await store.state(PERMISSION), {
        dataMessages: 2,
        statusMessages: 1,
        oldestCreatedAt: T0 - 5,
        droppedOldest: 0,
        discardedAtEnd: 0,
        finishingStatus: null,
        finishingSince: null,
        finishedAt: null,
      });
      assert.equal((await store.state(OTHER))?.dataMessages, 1);

      // A batch of status messages only still makes the permission's state.
      const third = "0c0c0c0c-0000-4000-8000-000000000003";
      await store.append([
        {
          permissionId: third,
          entries: [entry("status", "x", { permissionId: third })],
          maxDataMessages: 0,
          inFlight: [],
        },
      ]);
      assert.equal((await store.state(third))?.statusMessages, 1);
      assert.equal((await store.state(third))?.dataMessages, 0);
      await store.append([]);
      await assertCountHolds(stores);
      await assertCountHolds(stores, OTHER);
    });

    it("drops the new messages themselves when everything older is in flight, and never a status message", async () => {
      const stores = await backend.open(undefined);
      const store = stores.outbox;
      const cap = (entries: OutboxEntry[], inFlight: number[] = []) =>
        store.append([{ permissionId: PERMISSION, entries, maxDataMessages: 1, inFlight }]);
      await cap([entry("data", "a"), entry("status", "s"), entry("data", "b")]);
      assert.deepEqual(await payloads(store), ["s", "b"]);
      const [, b] = await store.next(PERMISSION, 10, true);
      await cap([entry("data", "c"), entry("data", "d")], [b?.id ?? 0]);
      assert.deepEqual(await payloads(store), ["s", "b"], "b is in flight: c and d go");
      const state = await store.state(PERMISSION);
      assert.deepEqual([state?.droppedOldest, state?.dataMessages, state?.statusMessages], [3, 1, 1]);
      await assertCountHolds(stores);
    });

    it("counts delivered values in the consent record and keeps the last message per channel", async () => {
      const stores = await backend.open(undefined);
      const store = stores.outbox;
      await store.append([
        {
          permissionId: PERMISSION,
          entries: [
            entry("data", "r1", { dataTags: ["1-0:1.7.0", "1-0:2.7.0"] }),
            entry("data", "c1", { channel: CIM, dataTags: ["1-0:1.7.0"] }),
            entry("data", "r2", { dataTags: ["1-0:1.7.0"] }),
            entry("status", "s1"),
            entry("data", "r3", { dataTags: [] }),
          ],
          maxDataMessages: 10,
          inFlight: [],
        },
      ]);
      const [r1, c1, r2, s1, r3] = await store.next(PERMISSION, 10, true);
      assert.ok(r1 && c1 && r2 && s1 && r3);

      // Out of time order on purpose: the first and last PUBACK times are kept, the last in the call wins.
      await store.delivered([
        { id: r2.id, sentAt: T0 + 20 },
        { id: r1.id, sentAt: T0 + 10 },
        { id: s1.id, sentAt: T0 + 30 },
        { id: r2.id, sentAt: T0 + 99 }, // the same PUBACK again
        { id: 987_654_321, sentAt: T0 + 40 }, // a message that is gone
      ]);
      assert.deepEqual(await payloads(store), ["c1", "r3"]);
      assert.deepEqual(await store.lastSent(PERMISSION), [
        { channel: RAW, sentAt: T0 + 10, payload: "r1" },
        { channel: "status", sentAt: T0 + 30, payload: "s1" },
      ]);
      assert.equal((await store.state(PERMISSION))?.dataMessages, 2);
      await store.delivered([{ id: c1.id, sentAt: T0 + 50 }]);
      await store.delivered([{ id: r3.id, sentAt: T0 + 60 }]);
      await store.delivered([]);
      assert.deepEqual(await store.sentValues(PERMISSION), [
        { schema: CIM, obisCode: "1-0:1.7.0", values: 1, firstSentAt: T0 + 50, lastSentAt: T0 + 50 },
        { schema: RAW, obisCode: "1-0:1.7.0", values: 2, firstSentAt: T0 + 10, lastSentAt: T0 + 20 },
        { schema: RAW, obisCode: "1-0:2.7.0", values: 1, firstSentAt: T0 + 10, lastSentAt: T0 + 10 },
      ]);
      assert.deepEqual(await store.lastSent(PERMISSION), [
        { channel: CIM, sentAt: T0 + 50, payload: "c1" },
        { channel: RAW, sentAt: T0 + 60, payload: "r3" },
        { channel: "status", sentAt: T0 + 30, payload: "s1" },
      ]);
      assert.deepEqual(await store.sentValues(OTHER), []);
      assert.deepEqual(await store.lastSent(OTHER), []);
      assert.equal((await store.state(PERMISSION))?.dataMessages, 0);
      await assertCountHolds(stores);
    });

    it("ends a permission: data discarded and counted if asked, its final status once, then finished", async () => {
      const stores = await backend.open(undefined);
      const store = stores.outbox;
      await store.append([
        {
          permissionId: PERMISSION,
          entries: [entry("data", "a"), entry("status", "s"), entry("data", "b")],
          maxDataMessages: 10,
          inFlight: [],
        },
      ]);
      const final = entry("status", "revoked", { createdAt: T0 + 11 });
      assert.equal(await store.beginFinish(PERMISSION, "REVOKED", final, true), true);
      assert.deepEqual(await payloads(store), ["s", "revoked"]);
      let state = await store.state(PERMISSION);
      assert.deepEqual(
        [state?.dataMessages, state?.discardedAtEnd, state?.finishingStatus, state?.finishingSince],
        [0, 2, "REVOKED", T0 + 11],
      );
      assert.equal(await store.beginFinish(PERMISSION, "TERMINATED", entry("status", "x"), true), false);
      assert.deepEqual(await payloads(store), ["s", "revoked"], "a second end changes nothing");

      // A permission that never streamed ends too: its state is made, later ones come after it.
      assert.equal(
        await store.beginFinish(
          OTHER,
          "FULFILLED",
          entry("status", "f", { permissionId: OTHER, createdAt: T0 + 12 }),
          false,
        ),
        true,
      );
      assert.deepEqual(await store.finishingPermissionIds(), [PERMISSION, OTHER]);

      assert.equal(await store.finish(PERMISSION, T0 + 13), 2);
      state = await store.state(PERMISSION);
      assert.deepEqual(
        [state?.statusMessages, state?.discardedAtEnd, state?.finishedAt, state?.oldestCreatedAt],
        [0, 4, T0 + 13, null],
      );
      assert.deepEqual(await store.finishingPermissionIds(), [OTHER]);
      const never = "0d0d0d0d-0000-4000-8000-000000000004";
      assert.equal(await store.finish(never, T0 + 14), 0, "finishing an unknown permission finds nothing");
      assert.equal((await store.state(never))?.finishedAt, T0 + 14);
      await assertCountHolds(stores);
    });

    it("takes no message after a permission's final status, counting what came late as discarded", async () => {
      const stores = await backend.open(undefined);
      const store = stores.outbox;
      const one = (permissionId: string, payload: string) => ({
        permissionId,
        entries: [entry("data", payload, { permissionId })],
        maxDataMessages: 10,
        inFlight: [],
      });
      await store.append([one(PERMISSION, "before")]);
      assert.equal(
        await store.beginFinish(
          PERMISSION,
          "REVOKED",
          entry("status", "revoked", { createdAt: T0 + 1 }),
          false,
        ),
        true,
      );
      await store.append([one(PERMISSION, "late"), one(OTHER, "other's")]);
      assert.deepEqual(await payloads(store), ["before", "revoked"], "the final status stays the last");
      assert.deepEqual(
        await payloads(store, OTHER),
        ["other's"],
        "another permission in the same call is kept",
      );
      const state = await store.state(PERMISSION);
      assert.deepEqual([state?.dataMessages, state?.discardedAtEnd], [1, 1]);
      await assertCountHolds(stores);
      await assertCountHolds(stores, OTHER);
    });
  });
}

describe("sharing outbox on PostgreSQL under concurrency", () => {
  it("keeps data_messages equal to the data rows while two pools append to one permission and deliver at once", async (t) => {
    const database = await freshDatabase();
    t.after(() => database.drop());
    const pools = [openPgPool(database.url, { max: 3 }), openPgPool(database.url, { max: 3 })];
    t.after(() => Promise.all(pools.map((pool) => pool.end())));
    await migratePostgres(pools[0] as (typeof pools)[0]);
    const [a, b] = pools.map((pool) => new PgSharingOutboxStore(pool)) as [
      PgSharingOutboxStore,
      PgSharingOutboxStore,
    ];
    const CAP = 20;
    const DELIVER_BATCH = 3;
    // Ids being published, shared as one hub's streaming side shares them: the cap never drops them.
    const publishing = new Set<number>();
    const ROUNDS = 40;
    const PER_APPEND = 5;
    let offered = 0;

    // Each appends to both permissions, in opposite orders: the row locks must not deadlock.
    const appender = async (store: PgSharingOutboxStore, order: readonly string[]) => {
      for (let round = 0; round < ROUNDS; round += 1) {
        await store.append(
          order.map((permissionId) => ({
            permissionId,
            entries: Array.from({ length: PER_APPEND }, (_, i) =>
              entry("data", `${round}.${i}`, { permissionId }),
            ),
            maxDataMessages: CAP,
            inFlight: [...publishing],
          })),
        );
      }
    };
    const deliverer = async (store: PgSharingOutboxStore) => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const batch = await store.next(PERMISSION, DELIVER_BATCH, true);
        for (const m of batch) publishing.add(m.id);
        await store.delivered(batch.map((m, i) => ({ id: m.id, sentAt: T0 + round * 10 + i })));
        for (const m of batch) publishing.delete(m.id);
        offered += batch.length;
      }
    };
    await Promise.all([appender(a, [PERMISSION, OTHER]), appender(b, [OTHER, PERMISSION]), deliverer(b)]);

    // A message dropped by the cap while its PUBACK came is not delivered: the consent record says what was.
    // (How many were is up to the race: on a busy machine the cap may have taken every one of them.)
    const delivered = (await a.sentValues(PERMISSION))[0]?.values ?? 0;
    assert.ok(offered > 0, "the deliverer had messages to deliver");
    assert.ok(delivered <= offered, `${delivered} delivered of ${offered} offered`);
    for (const permissionId of [PERMISSION, OTHER]) {
      const { rows } = await (pools[0] as (typeof pools)[0]).query<{ n: number }>(
        "SELECT count(*) AS n FROM sharing_outbox WHERE permission_id = $1 AND kind = 'data'",
        [permissionId],
      );
      const held = rows[0]?.n ?? -1;
      const state = await a.state(permissionId);
      assert.equal(state?.dataMessages, held, `${permissionId}: the count is the rows'`);
      // The last append may have spared a batch in flight beyond the cap; it is delivered since.
      assert.ok(held <= CAP + DELIVER_BATCH, `${permissionId} holds ${held}, more than the cap`);
      const gone = permissionId === PERMISSION ? delivered : 0;
      assert.equal(
        (state?.droppedOldest ?? 0) + gone + held,
        2 * ROUNDS * PER_APPEND,
        "each message held, dropped or delivered, exactly once",
      );
    }
  });
});
