import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HouseholdSimulator } from "../../src/device/household-simulator.ts";

const DAY_START = Date.UTC(2025, 5, 21);
const STEP_MS = 60_000;

/** One simulated day read every minute, in UTC local time. */
function simulateDay(pvPeakKw: number, seed = 42) {
  const simulator = new HouseholdSimulator({
    seed,
    pvPeakKw,
    utcOffsetHours: 0,
    importKwh: 4200,
    exportKwh: 1800,
  });
  return Array.from({ length: (24 * 3_600_000) / STEP_MS }, (_, i) => {
    const timestamp = DAY_START + i * STEP_MS;
    return { hour: i / 60, values: new Map(simulator.readAt(timestamp).map((q) => [q.type, q.quantity])) };
  });
}

function value(reading: { values: Map<number, number> }, type: number): number {
  const found = reading.values.get(type);
  assert.ok(found !== undefined, `type ${type} is in every reading`);
  return found;
}

describe("the simulated household", () => {
  const day = simulateDay(5);

  it("sends the quantities of a three-phase smart meter", () => {
    assert.deepEqual([...(day[0]?.values.keys() ?? [])], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 35]);
  });

  it("keeps both energy counters monotonic, and they grow over the day", () => {
    for (let i = 1; i < day.length; i++) {
      const [before, now] = [day[i - 1], day[i]];
      assert.ok(before && now);
      assert.ok(value(now, 0) >= value(before, 0), `import counter went back at minute ${i}`);
      assert.ok(value(now, 1) >= value(before, 1), `export counter went back at minute ${i}`);
    }
    const [first, last] = [day[0], day.at(-1)];
    assert.ok(first && last);
    assert.ok(value(last, 0) - value(first, 0) > 1, "a household imports more than 1 kWh a day");
    assert.ok(
      value(last, 1) - value(first, 1) > 1,
      "a 5 kWp PV system exports more than 1 kWh on a June day",
    );
  });

  it("never imports and exports at the same instant", () => {
    for (const reading of day) assert.ok(value(reading, 2) === 0 || value(reading, 3) === 0);
  });

  it("exports nothing at night and exports around noon", () => {
    const night = day.filter((r) => r.hour < 5 || r.hour > 21);
    assert.ok(night.every((r) => value(r, 3) === 0 && value(r, 2) > 0));
    const noon = day.filter((r) => r.hour >= 11 && r.hour <= 14);
    assert.ok(noon.filter((r) => value(r, 3) > 0).length > noon.length / 2, "mostly exporting at noon");
  });

  it("has appliance spikes above the base load", () => {
    const evening = day.filter((r) => r.hour >= 17 && r.hour < 22).map((r) => value(r, 2));
    assert.ok(Math.max(...evening) > 1, "some appliance draws more than 1 kW in the evening");
    assert.ok(Math.min(...evening) < 0.5, "the base load is a few hundred watts");
  });

  it("keeps voltages near 230 V and frequency near 50 Hz", () => {
    for (const r of day) {
      for (const type of [4, 5, 6]) assert.ok(Math.abs(value(r, type) - 230) < 15);
      assert.ok(Math.abs(value(r, 35) - 50) < 0.1);
    }
  });

  it("is repeatable for a seed, so tests and demos can rely on it", () => {
    assert.deepEqual(simulateDay(5, 7).slice(0, 100), simulateDay(5, 7).slice(0, 100));
  });

  it("without PV never exports", () => {
    assert.ok(simulateDay(0).every((r) => value(r, 3) === 0));
  });

  it("refuses to be read backwards in time", () => {
    const simulator = new HouseholdSimulator({
      seed: 1,
      pvPeakKw: 5,
      utcOffsetHours: 0,
      importKwh: 0,
      exportKwh: 0,
    });
    simulator.readAt(DAY_START + 1000);
    assert.throws(() => simulator.readAt(DAY_START), /backwards/);
  });
});
