import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { BACKENDS, type RecordHarness } from "./record-backends.ts";
import { accepted, expectedSeries, obis, type Point, refused, report } from "./record-outcomes.ts";

const HOUR = 3_600_000;
const NOW = Date.parse("2026-06-15T12:00:00Z");
const ENERGY = obis("1-0:1.8.0");
const EXPORTED = obis("1-0:2.8.0");
const L1 = obis("1-0:21.8.0");
const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";
const C = "00000000-0000-4000-8000-00000000000c";

/** The values of a record as [code, value] pairs. */
function valuesOf(record: { values: readonly { obis: { code: string }; value: number }[] } | undefined) {
  return record?.values.map((v) => [v.obis.code, v.value]);
}

for (const backend of BACKENDS) {
  describe(`records on ${backend.name}`, () => {
    let h: RecordHarness;
    beforeEach(async () => {
      h = await backend.open(NOW);
      for (const id of [A, B, C]) await h.addSource(id);
    });
    afterEach(() => h.close());

    it("keeps a redelivered message's first receipt and counts it once", async () => {
      const ts = NOW - HOUR;
      await h.writer.write([accepted(A, ts, [[ENERGY, 5]], { receivedAt: ts + 10 })]);
      await h.writer.write([accepted(A, ts, [[ENERGY, 5]], { receivedAt: ts + 900 })]);
      const latest = await h.records.latest(A);
      assert.equal(latest?.receivedAt, ts + 10);
      assert.equal(latest?.timestampSource, "device");
      assert.deepEqual(valuesOf(latest), [[ENERGY.code, 5]]);
      const c = await h.counters(A);
      assert.deepEqual([c?.messagesAccepted, c?.valuesAccepted, c?.lastMessageAt], [1, 1, ts + 900]);
    });

    it("lets the newest value win and counts only the quantities a later message adds", async () => {
      const t1 = NOW - 2 * HOUR;
      const t2 = NOW - HOUR;
      await h.writer.write([accepted(A, t1, [[ENERGY, 5]])]);
      await h.writer.write([
        accepted(A, t1, [
          [ENERGY, 6],
          [EXPORTED, 9],
        ]),
      ]);
      // The same within one batch: the first message makes the record, the second merges into it.
      await h.writer.write([
        accepted(A, t2, [[ENERGY, 1]]),
        accepted(A, t2, [
          [ENERGY, 2],
          [L1, 3],
        ]),
      ]);
      const [newer, older] = await h.records.query(A, { limit: 10 });
      assert.deepEqual(valuesOf(older), [
        [ENERGY.code, 6],
        [EXPORTED.code, 9],
      ]);
      assert.deepEqual(valuesOf(newer), [
        [ENERGY.code, 2],
        [L1.code, 3],
      ]);
      const c = await h.counters(A);
      assert.deepEqual([c?.messagesAccepted, c?.valuesAccepted], [2, 4]);
    });

    it("refuses a second hub-stamped message at a stored time as isolable, and changes nothing", async () => {
      const ts = NOW - HOUR;
      await h.writer.write([accepted(A, ts, [[ENERGY, 5]], { device: false })]);
      const before = await h.counters(A);
      await assert.rejects(
        h.writer.write([accepted(A, ts, [[ENERGY, 7]], { device: false }), refused(B, 1)]),
        (err) => {
          assert.match((err as Error).message, /already stored; send the message again/);
          assert.equal((err as { isolable?: boolean }).isolable, true);
          return true;
        },
      );
      assert.deepEqual(valuesOf(await h.records.latest(A)), [[ENERGY.code, 5]]);
      assert.deepEqual(await h.counters(A), before);
      assert.equal((await h.counters(B))?.messagesRejected, 0, "the batch's other outcomes were not written");
    });

    it("counts refused messages and values, and moves the last message time only forward", async () => {
      await h.writer.write([
        accepted(
          A,
          NOW - 3 * HOUR,
          [
            [ENERGY, 1],
            [L1, 2],
          ],
          { receivedAt: NOW - 100, valuesRejected: 2 },
        ),
        refused(A, 3),
        refused(B, 0),
      ]);
      await h.writer.write([accepted(A, NOW - 2 * HOUR, [[ENERGY, 2]], { receivedAt: NOW - 500 })]);
      assert.deepEqual(await h.counters(A), {
        messagesAccepted: 2,
        messagesRejected: 1,
        valuesAccepted: 3,
        valuesRejected: 5,
        lastMessageAt: NOW - 100,
      });
      assert.deepEqual(await h.counters(B), {
        messagesAccepted: 0,
        messagesRejected: 1,
        valuesAccepted: 0,
        valuesRejected: 0,
        lastMessageAt: null,
      });
    });

    it("keeps the newest 50 feedback reports of each data source, newest first", async () => {
      const batch = (from: number, count: number) =>
        Array.from({ length: count }, (_, i) => refused(A, 1, report(A, `report ${from + i}`)));
      await h.writer.write(batch(0, 30));
      await h.writer.write([...batch(30, 25), refused(B, 1, report(B, "b's only report"))]);
      const kept = await h.records.feedback(A, 100);
      assert.deepEqual(
        kept.map((r) => r.summary),
        Array.from({ length: 50 }, (_, i) => `report ${54 - i}`),
      );
      assert.deepEqual(
        (await h.records.feedback(A, 3)).map((r) => r.summary),
        ["report 54", "report 53", "report 52"],
      );
      assert.deepEqual(
        (await h.records.feedback(B, 100)).map((r) => r.summary),
        ["b's only report"],
      );
    });

    it("pages records newest first with before, within from and to, and by quantity", async () => {
      const times = Array.from({ length: 25 }, (_, i) => NOW - (25 - i) * 60_000);
      await h.writer.write(
        times.map((ts, i) => accepted(A, ts, i % 2 === 0 ? [[ENERGY, i]] : [[EXPORTED, i]])),
      );
      const first = await h.records.query(A, { limit: 10 });
      assert.deepEqual(
        first.map((r) => r.timestamp),
        times.slice(-10).reverse(),
      );
      const second = await h.records.query(A, { limit: 10, before: first.at(-1)?.timestamp ?? NOW });
      assert.deepEqual(
        second.map((r) => r.timestamp),
        times.slice(5, 15).reverse(),
      );
      const ranged = await h.records.query(A, { limit: 100, from: times[3] ?? 0, to: times[6] ?? 0 });
      assert.deepEqual(
        ranged.map((r) => r.timestamp),
        times.slice(3, 7).reverse(),
      );
      const onlyEnergy = await h.records.query(A, { limit: 100, obis: [ENERGY.code] });
      assert.deepEqual(
        onlyEnergy.map((r) => r.timestamp),
        times.filter((_, i) => i % 2 === 0).reverse(),
      );
      assert.ok(onlyEnergy.every((r) => r.values.every((v) => v.obis.code === ENERGY.code)));
      assert.deepEqual(await h.records.query(B, { limit: 10 }), []);
      assert.equal(await h.records.latest(B), undefined);
    });

    it("buckets series the same from raw values, after the rollup, and after late data", async () => {
      const start = NOW - 6 * HOUR;
      const points: Point[] = [];
      for (let i = 0; i < 5 * 12; i++) {
        const ts = start + i * 5 * 60_000 + 1234;
        points.push({ ts, code: ENERGY.code, value: (i * 7) % 11 }, { ts, code: L1.code, value: i });
      }
      const write = (ps: Point[]) => {
        const byTs = new Map<number, Point[]>();
        for (const p of ps) byTs.set(p.ts, [...(byTs.get(p.ts) ?? []), p]);
        return h.writer.write(
          [...byTs].map(([ts, list]) =>
            accepted(
              A,
              ts,
              list.map((p) => [obis(p.code), p.value]),
            ),
          ),
        );
      };
      await write(points);
      const from = start - HOUR;
      const to = NOW;
      for (const bucket of [15 * 60_000, HOUR, 2 * HOUR]) {
        assert.deepEqual(
          await h.records.series(A, from, to, bucket, undefined),
          expectedSeries(points, from, to, bucket),
        );
      }
      await h.rollUp(NOW);
      assert.deepEqual(
        await h.records.series(A, from, to, HOUR, undefined),
        expectedSeries(points, from, to, HOUR),
      );
      // A late value in an hour already rolled up: the hour is read raw until it is rolled up again.
      const late = { ts: start + 30 * 60_000 + 1, code: ENERGY.code, value: 100 };
      await write([late]);
      assert.deepEqual(await h.dirtyHours(), [Math.floor(late.ts / HOUR) * HOUR]);
      const all = [...points, late];
      assert.deepEqual(
        await h.records.series(A, from, to, HOUR, undefined),
        expectedSeries(all, from, to, HOUR),
      );
      assert.deepEqual(
        await h.records.series(A, from, to, 2 * HOUR, [L1.code]),
        expectedSeries(
          all.filter((p) => p.code === L1.code),
          from,
          to,
          2 * HOUR,
        ),
      );
      await h.rollUp(NOW);
      assert.deepEqual(await h.dirtyHours(), []);
      assert.deepEqual(
        await h.records.series(A, from, to, HOUR, undefined),
        expectedSeries(all, from, to, HOUR),
      );
    });

    it("exports pages of columns in the order asked, NaN where a record has no value", async () => {
      const times = Array.from({ length: 7 }, (_, i) => NOW - (7 - i) * 1000);
      await h.writer.write(
        times.map((ts, i) =>
          accepted(
            A,
            ts,
            i % 3 === 0
              ? [
                  [ENERGY, i],
                  [EXPORTED, 100 - i],
                ]
              : [[EXPORTED, i * 10]],
          ),
        ),
      );
      const columns = [EXPORTED.code, L1.code, ENERGY.code];
      const pages: { timestamps: number[]; values: number[] }[] = [];
      let from = times[0] ?? 0;
      for (;;) {
        const page = await h.records.exportPage(A, { from, to: NOW, columns, limit: 3 });
        pages.push({ timestamps: [...page.timestamps], values: [...page.values] });
        const last = page.timestamps.at(-1);
        if (page.timestamps.length < 3 || last === undefined) break;
        from = last + 1;
      }
      assert.deepEqual(
        pages.flatMap((p) => p.timestamps),
        times,
      );
      assert.deepEqual(
        pages.flatMap((p) => p.values),
        times.flatMap((_, i) => (i % 3 === 0 ? [100 - i, Number.NaN, i] : [i * 10, Number.NaN, Number.NaN])),
      );
      const empty = await h.records.exportPage(B, { from: 0, to: NOW, columns, limit: 10 });
      assert.deepEqual([empty.timestamps.length, empty.values.length], [0, 0]);
    });

    it("reads a deleted data source as empty, skips its writes, and retention purges its records", async () => {
      await h.writer.write(
        Array.from({ length: 12 }, (_, i) =>
          accepted(B, NOW - (i + 1) * 1000, [[ENERGY, i]], { feedback: report(B, `${i}`) }),
        ),
      );
      await h.writer.write([accepted(A, NOW - 1000, [[ENERGY, 1]])]);
      await h.deleteSource(B);
      assert.equal(await h.records.latest(B), undefined);
      assert.deepEqual(await h.records.query(B, { limit: 100 }), []);
      assert.deepEqual(await h.records.feedback(B, 100), []);
      assert.deepEqual(await h.records.series(B, 0, NOW, HOUR, undefined), new Map());
      await h.writer.write([accepted(B, NOW - 500, [[ENERGY, 1]])]);
      await h.writer.write([accepted("00000000-0000-4000-8000-0000000000ff", NOW, [[ENERGY, 1]])]);
      assert.equal(
        await h.storedRecords(),
        13,
        "the writes of a deleted and an unknown source stored nothing",
      );
      let purged = 0;
      for (let n = await h.writer.deleteOlderThan(0, 5); n > 0; n = await h.writer.deleteOlderThan(0, 5))
        purged += n;
      assert.equal(purged, 12 + 1, "its 12 records, and one more for forgetting the source");
      assert.equal(await h.storedRecords(), 1);
      assert.equal((await h.records.latest(A))?.timestamp, NOW - 1000);
    });

    it("retention deletes what is older than the cut-off, in an older month and in the boundary month", async () => {
      const before = Date.parse("2026-06-10T12:30:00Z");
      const old = [Date.parse("2026-04-03T08:00:00Z"), Date.parse("2026-04-20T08:00:00Z")];
      const boundary = [Date.parse("2026-06-01T00:00:00Z"), Date.parse("2026-06-10T12:10:00Z"), before - 1];
      const kept = [before, Date.parse("2026-06-10T12:50:00Z"), NOW - 1];
      const all = [...old, ...boundary, ...kept];
      const points = all.flatMap((ts, i) => [{ ts, code: ENERGY.code, value: i }]);
      await h.writer.write(all.map((ts, i) => accepted(A, ts, [[ENERGY, i]])));
      await h.rollUp(NOW);
      let deleted = 0;
      for (
        let n = await h.writer.deleteOlderThan(before, 2);
        n > 0;
        n = await h.writer.deleteOlderThan(before, 2)
      ) {
        deleted += n;
      }
      assert.equal(deleted, old.length + boundary.length);
      assert.deepEqual(
        (await h.records.query(A, { limit: 100 })).map((r) => r.timestamp),
        [...kept].reverse(),
      );
      const left = points.filter((p) => p.ts >= before);
      // The hour the cut-off falls in is read raw (dirty) until rolled up again; the hours before are gone.
      assert.deepEqual(
        await h.records.series(A, old[0] ?? 0, NOW, HOUR, undefined),
        expectedSeries(left, old[0] ?? 0, NOW, HOUR),
      );
      await h.rollUp(NOW);
      assert.deepEqual(
        await h.records.series(A, old[0] ?? 0, NOW, HOUR, undefined),
        expectedSeries(left, old[0] ?? 0, NOW, HOUR),
      );
      if (h.partitionMonths) {
        const months = await h.partitionMonths();
        assert.ok(!months.includes(Date.parse("2026-04-01T00:00:00Z")), "April's partitions were dropped");
        assert.ok(months.includes(Date.parse("2026-06-01T00:00:00Z")));
      }
    });

    it("stores a batch whose timestamps span three months", async () => {
      const times = [
        Date.parse("2026-03-31T23:59:59.999Z"),
        Date.parse("2026-04-15T00:00:00Z"),
        Date.parse("2026-05-01T00:00:00Z"),
      ];
      await h.writer.write(times.map((ts, i) => accepted(A, ts, [[ENERGY, i]])));
      assert.deepEqual(
        (await h.records.query(A, { limit: 10 })).map((r) => r.timestamp),
        [...times].reverse(),
      );
      if (h.partitionMonths) {
        const months = await h.partitionMonths();
        for (const month of ["2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01", "2026-07-01"]) {
          assert.ok(months.includes(Date.parse(`${month}T00:00:00Z`)), `partitions of ${month}`);
        }
      }
    });

    it("stores every record of three batches written at once", async () => {
      const batch = (n: number) =>
        Array.from({ length: 300 }, (_, i) => {
          const id = [A, B, C][i % 3] ?? A;
          return accepted(id, NOW - HOUR + n * 1000 * 300 + i * 1000 + 1, [
            [ENERGY, i],
            [L1, n],
          ]);
        });
      // One message is in all three batches: a redelivery racing its original.
      const shared = accepted(A, NOW - 2 * HOUR, [[ENERGY, 42]]);
      await Promise.all([0, 1, 2].map((n) => h.writer.write([...batch(n), shared])));
      assert.equal(await h.storedRecords(), 901);
      for (const id of [A, B, C]) {
        const c = await h.counters(id);
        const own = id === A ? 1 : 0;
        assert.deepEqual([c?.messagesAccepted, c?.valuesAccepted], [300 + own, 600 + own], id);
      }
    });
  });
}
