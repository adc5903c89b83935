import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { obisByCode } from "../../src/domain/obis-code.ts";
import { summariseReadings } from "../../src/domain/reading-run.ts";
import { HOUR_MS, summariseHours } from "../../src/storage/sqlite/hour-summary.ts";
import { type HourRow, type RollupHub, rollupBackends, type Value } from "./rollup-backends.ts";

const HOUR_10 = Date.parse("2026-05-04T10:00:00Z");
const MINUTE = 60_000;
const IMPORT_TOTAL = obisByCode("1-0:1.8.0")?.key ?? 0;
const IMPORT_POWER = obisByCode("1-0:1.7.0")?.key ?? 0;

async function rollUpAll(hub: RollupHub, now: number): Promise<void> {
  while ((await hub.step(now)).worked) {}
}

/** What the rollup must keep: the reference summary (hour-summary.ts) of the stored values, as rows. */
function expectedHours(values: readonly Value[]): HourRow[] {
  const sorted = [...values].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return summariseHours(sorted.map(([ts, obisKey, value]) => [obisKey, ts, value] as const))
    .map(({ obisKey, hour, min, max, sum, run }) => ({
      obisKey,
      hour,
      min,
      max,
      sum,
      count: run.count,
      firstTs: run.firstTs,
      firstValue: run.firstValue,
      lastTs: run.lastTs,
      lastValue: run.lastValue,
      maxGap: run.maxGap,
      rise: run.rise,
      falls: run.falls,
      area: run.area,
    }))
    .sort((a, b) => a.hour - b.hour || a.obisKey - b.obisKey);
}

for (const backend of rollupBackends()) {
  describe(`hourly rollup on ${backend.name}`, () => {
    before(() => backend.start());
    after(() => backend.stop());

    test("an hour is rolled up only after a grace period, so slightly late values do not make it dirty", async (t) => {
      const hub = await backend.open(t, ["meter"]);
      const write = (ts: number) => hub.write("meter", [[ts, IMPORT_TOTAL, 5]]);
      await write(HOUR_10 - HOUR_MS + 30 * MINUTE); // 09:30
      await write(HOUR_10 + 50 * MINUTE); // 10:50
      await rollUpAll(hub, HOUR_10 + HOUR_MS + 5 * MINUTE); // 11:05: hour 10 ended 5 minutes ago
      assert.equal(await hub.watermark("meter"), HOUR_10, "hour 9 is rolled up, hour 10 waits");
      await write(HOUR_10 + 59 * MINUTE); // arrives late for hour 10
      assert.equal(await hub.dirtyHours(), 0);

      await rollUpAll(hub, HOUR_10 + HOUR_MS + 16 * MINUTE);
      assert.equal(await hub.watermark("meter"), HOUR_10 + HOUR_MS);
      const hour10 = (await hub.hours("meter")).find((h) => h.hour === HOUR_10);
      assert.deepEqual({ count: hour10?.count, lastValue: hour10?.lastValue }, { count: 2, lastValue: 5 });
      await write(HOUR_10 + 10 * MINUTE); // later still: now the hour is recomputed
      assert.equal(await hub.dirtyHours(), 1);
      await rollUpAll(hub, HOUR_10 + HOUR_MS + 16 * MINUTE);
      assert.equal(await hub.dirtyHours(), 0);
      assert.equal((await hub.hours("meter")).find((h) => h.hour === HOUR_10)?.count, 3);
    });

    test("an empty stretch of decades is skipped in one step, not walked a day at a time", async (t) => {
      const hub = await backend.open(t, ["meter"]);
      await hub.write("meter", [[Date.parse("1970-01-01T00:10:00Z"), IMPORT_TOTAL, 1]]); // a clock not set yet
      await hub.write("meter", [[HOUR_10 + 5 * MINUTE, IMPORT_TOTAL, 2]]);
      let steps = 0;
      while ((await hub.step(HOUR_10 + 2 * HOUR_MS)).worked) steps++;
      assert.ok(steps <= 4, `${steps} steps`);
      assert.deepEqual(
        (await hub.hours("meter")).map((h) => ({ hour: h.hour, lastValue: h.lastValue })),
        [
          { hour: 0, lastValue: 1 },
          { hour: HOUR_10, lastValue: 2 },
        ],
      );
    });

    test("a value before 1970 is rolled up into its own hour, and a late one for that hour is recomputed", async (t) => {
      const hub = await backend.open(t, ["meter"]);
      await hub.write("meter", [[Date.parse("1969-12-31T23:30:00Z"), IMPORT_TOTAL, 1]]);
      await hub.write("meter", [[Date.parse("1970-01-01T00:10:00Z"), IMPORT_TOTAL, 2]]);
      const now = Date.parse("1970-01-01T03:00:00Z");
      await rollUpAll(hub, now);
      const summary = async () =>
        (await hub.hours("meter")).map(({ hour, count, min, max }) => ({ hour, count, min, max }));
      assert.deepEqual(await summary(), [
        { hour: -HOUR_MS, count: 1, min: 1, max: 1 },
        { hour: 0, count: 1, min: 2, max: 2 },
      ]);
      await hub.write("meter", [[Date.parse("1969-12-31T23:45:00Z"), IMPORT_TOTAL, 3]]); // late, before 1970
      assert.equal(await hub.dirtyHours(), 1);
      const failing: [string, string][] = [];
      for (let step = await hub.step(now); step.worked; step = await hub.step(now))
        failing.push(...step.failing);
      assert.deepEqual(failing, []);
      assert.deepEqual(await summary(), [
        { hour: -HOUR_MS, count: 2, min: 1, max: 3 },
        { hour: 0, count: 1, min: 2, max: 2 },
      ]);
    });

    test("one data source whose rollup fails is put aside and reported while the others are rolled up", async (t) => {
      const hub = await backend.open(t, ["broken", "fine"]);
      const allow = await hub.refuseRollupOf("broken", "broken rollup");
      await hub.write("broken", [[HOUR_10 + 5 * MINUTE, IMPORT_TOTAL, 1]]);
      await hub.write("fine", [[HOUR_10 + 5 * MINUTE, IMPORT_TOTAL, 2]]);
      const now = HOUR_10 + 2 * HOUR_MS;
      let last = await hub.step(now);
      for (let steps = 0; last.worked && steps < 10; steps++) last = await hub.step(now);
      assert.equal(last.worked, false, "the pass ends although one data source keeps failing");
      const summary = async (id: string) =>
        (await hub.hours(id)).map(({ hour, count, min, max }) => ({ hour, count, min, max }));
      assert.deepEqual(await summary("fine"), [{ hour: HOUR_10, count: 1, min: 2, max: 2 }]);
      assert.deepEqual(await summary("broken"), []);
      assert.equal(await hub.watermark("broken"), undefined, "its failed step changed nothing");
      assert.deepEqual([...last.failing], [["broken", "broken rollup"]]);

      await allow();
      assert.equal((await hub.step(now + MINUTE)).worked, false, "not tried again at once");
      const later = now + 11 * MINUTE;
      await rollUpAll(hub, later);
      assert.deepEqual(await summary("broken"), [{ hour: HOUR_10, count: 1, min: 1, max: 1 }]);
      assert.deepEqual([...(await hub.step(later)).failing], [], "it is reported no more");
    });

    test("an hour's rollup keeps its first value, longest gap, rise, falls and trapezoid area, per quantity", async (t) => {
      const hub = await backend.open(t, ["meter"]);
      // A total register that is reset once, and power with a 20-minute gap, in one hour.
      const register: [number, number][] = [
        [HOUR_10 + 1 * MINUTE, 100],
        [HOUR_10 + 2 * MINUTE, 100.5],
        [HOUR_10 + 3 * MINUTE, 0.25],
        [HOUR_10 + 4 * MINUTE, 1],
      ];
      const power: [number, number][] = [
        [HOUR_10 + 1 * MINUTE, 2],
        [HOUR_10 + 21 * MINUTE, 4],
        [HOUR_10 + 22 * MINUTE, 1],
      ];
      await hub.write("meter", [
        ...register.map(([ts, v]) => [ts, IMPORT_TOTAL, v] as const),
        ...power.map(([ts, v]) => [ts, IMPORT_POWER, v] as const),
      ]);
      await rollUpAll(hub, HOUR_10 + 2 * HOUR_MS);
      const run = async (obisKey: number) => {
        const row = (await hub.hours("meter")).find((h) => h.obisKey === obisKey);
        assert.ok(row, `a row for ${obisKey}`);
        const { firstTs, firstValue, lastTs, lastValue, count, maxGap, rise, falls, area } = row;
        return { firstTs, firstValue, lastTs, lastValue, count, maxGap, rise, falls, area };
      };
      assert.deepEqual(await run(IMPORT_TOTAL), summariseReadings(register));
      assert.deepEqual(await run(IMPORT_TOTAL), {
        firstTs: HOUR_10 + MINUTE,
        firstValue: 100,
        lastTs: HOUR_10 + 4 * MINUTE,
        lastValue: 1,
        count: 4,
        maxGap: MINUTE,
        rise: 0.5 + 0.75,
        falls: 1,
        area: ((100 + 100.5) / 2 + (100.5 + 0.25) / 2 + (0.25 + 1) / 2) * MINUTE,
      });
      assert.deepEqual(await run(IMPORT_POWER), summariseReadings(power));
      assert.equal((await run(IMPORT_POWER)).maxGap, 20 * MINUTE);
    });

    test("every column is the reference summary to the last bit, also sums that do not add up exactly", async (t) => {
      const hub = await backend.open(t, ["meter"]);
      let seed = 7;
      const values: Value[] = Array.from({ length: 2400 }, (_, i) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        const magnitude = i % 3 === 0 ? 1e6 : i % 3 === 1 ? 1 : 1e-6;
        // Two quantities over two hours and a bit, one value every 6 s each, some of them shared instants.
        return [
          HOUR_10 + Math.floor(i / 2) * 6007,
          i % 2 === 0 ? IMPORT_TOTAL : IMPORT_POWER,
          ((seed / 2 ** 31) * 10 - 5) * magnitude,
        ];
      });
      await hub.write("meter", values);
      await rollUpAll(hub, HOUR_10 + 4 * HOUR_MS);
      const rows = await hub.hours("meter");
      assert.equal(rows.length, 6, "two quantities in three hours");
      assert.deepEqual(rows, expectedHours(values));
    });

    test("a rolled-up range answers its quantities from the rollups, edges and late hours from raw values", async (t) => {
      const hub = await backend.open(t, ["meter"]);
      const VOLTAGE = obisByCode("1-0:32.7.0")?.key ?? 0;
      await hub.write("meter", [
        [HOUR_10 + 5 * MINUTE, IMPORT_TOTAL, 1],
        [HOUR_10 + HOUR_MS + 5 * MINUTE, IMPORT_POWER, 2],
      ]);
      const range = [HOUR_10, HOUR_10 + 3 * HOUR_MS] as const;
      const before = await hub.quantitiesIn("meter", ...range);
      assert.deepEqual(
        before,
        ["1-0:1.8.0", "1-0:1.7.0"].sort((a, b) => (obisByCode(a)?.key ?? 0) - (obisByCode(b)?.key ?? 0)),
      );
      await rollUpAll(hub, HOUR_10 + 4 * HOUR_MS);
      await hub.deleteRawValues(HOUR_10, HOUR_10 + 2 * HOUR_MS);
      assert.deepEqual(await hub.quantitiesIn("meter", ...range), before, "from the rollup rows alone");
      assert.deepEqual(
        await hub.quantitiesIn("meter", HOUR_10 + 1, HOUR_10 + HOUR_MS),
        [],
        "the cut hour reads raw",
      );
      await hub.write("meter", [[HOUR_10 + 20 * MINUTE, VOLTAGE, 230]]); // late: its hour is dirty, read raw
      assert.deepEqual(await hub.quantitiesIn("meter", HOUR_10, HOUR_10 + HOUR_MS), ["1-0:32.7.0"]);
      assert.deepEqual(await hub.quantitiesIn("meter", HOUR_10, HOUR_10), [], "an empty range");
      assert.deepEqual(await hub.quantitiesIn("nobody", ...range), [], "an unknown data source");
    });
  });
}
