import assert from "node:assert/strict";
import { test } from "node:test";
import { householdBalance, type SourceFlows } from "../../web/src/lib/household-balance.ts";

const grid = (imported: number | undefined, exported: number | undefined): SourceFlows => ({
  role: "GRID_METER",
  imported,
  exported,
});
const pv = (exported: number | undefined, imported = 0): SourceFlows => ({
  role: "PV_INVERTER",
  imported,
  exported,
});
const battery = (charge: number, discharge: number): SourceFlows => ({
  role: "BATTERY",
  imported: charge,
  exported: discharge,
});

const cases: ReadonlyArray<{
  name: string;
  flows: SourceFlows[];
  home: number | undefined;
  selfConsumption: number | undefined;
  autarky: number | undefined;
  complete: boolean;
}> = [
  {
    name: "a grid meter alone: the house draws what the grid delivers",
    flows: [grid(1.5, 0)],
    home: 1.5,
    selfConsumption: undefined,
    autarky: undefined,
    complete: true,
  },
  {
    name: "sunny noon: 4 kW solar, 1 kW fed in → the house uses 3 kW, all of it solar",
    flows: [grid(0, 1), pv(4)],
    home: 3,
    selfConsumption: 0.75,
    autarky: 1,
    complete: true,
  },
  {
    name: "evening: 0.5 kW solar and 1.5 kW from the grid → 2 kW, a quarter of it own",
    flows: [grid(1.5, 0), pv(0.5)],
    home: 2,
    selfConsumption: 1,
    autarky: 0.25,
    complete: true,
  },
  {
    name: "a charging battery takes part of the solar; a discharging one adds to the house",
    flows: [grid(0, 0.5), pv(5), battery(2, 0)],
    home: 2.5,
    selfConsumption: 0.9,
    autarky: 1,
    complete: true,
  },
  {
    name: "night with a discharging battery; the inverter's standby draw is already in the grid import",
    flows: [grid(0.2, 0), pv(0, 0.01), battery(0, 0.8)],
    home: 1,
    selfConsumption: undefined,
    autarky: 0.8,
    complete: true,
  },
  {
    name: "a heat pump behind the grid meter is already in its import and is not added twice",
    flows: [grid(3, 0), { role: "HEAT_PUMP", imported: 2, exported: undefined }],
    home: 3,
    selfConsumption: undefined,
    autarky: undefined,
    complete: true,
  },
  {
    name: "meters read at different moments never make the house give energy back",
    flows: [grid(0, 3), pv(2)],
    home: 0,
    selfConsumption: 0,
    autarky: undefined,
    complete: true,
  },
  {
    name: "an inverter without a reading yet makes the balance incomplete",
    flows: [grid(1, 0), { role: "PV_INVERTER", imported: undefined, exported: undefined }],
    home: 1,
    selfConsumption: undefined,
    autarky: 0,
    complete: false,
  },
  {
    name: "no grid meter: no home consumption",
    flows: [pv(3)],
    home: undefined,
    selfConsumption: undefined,
    autarky: undefined,
    complete: true,
  },
];

for (const c of cases) {
  test(c.name, () => {
    const balance = householdBalance(c.flows);
    const near = (actual: number | undefined, expected: number | undefined, what: string) => {
      if (expected === undefined) return assert.equal(actual, undefined, what);
      assert.ok(
        actual !== undefined && Math.abs(actual - expected) < 1e-9,
        `${what}: ${actual} ≠ ${expected}`,
      );
    };
    near(balance.home, c.home, "home");
    near(balance.selfConsumption, c.selfConsumption, "self-consumption");
    near(balance.autarky, c.autarky, "autarky");
    assert.equal(balance.complete, c.complete);
  });
}
