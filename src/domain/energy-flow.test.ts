import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { flowPerInterval, type QuantityEnergy } from "./energy-flow.ts";
import type { IntervalEnergy } from "./energy-tally.ts";
import { obisByCode } from "./obis-code.ts";

/** A quantity's energy per interval, written as [kWh, completeness] pairs (null: no data). */
function quantity(
  code: string,
  ...intervals: ReadonlyArray<readonly [number, number] | null>
): QuantityEnergy {
  const key = obisByCode(code)?.key ?? assert.fail(`unknown OBIS code ${code}`);
  return {
    obisKey: key,
    intervals: intervals.map(
      (i): IntervalEnergy =>
        i === null ? { kWh: null, completeness: 0, resets: 0 } : { kWh: i[0], completeness: i[1], resets: 0 },
    ),
  };
}

describe("import and export per interval, from the quantities a data source has", () => {
  const cases: ReadonlyArray<{
    name: string;
    quantities: QuantityEnergy[];
    import: unknown[];
    export: unknown[];
  }> = [
    {
      name: "a grid meter with total registers: import from 1-0:1.8.0, export from 1-0:2.8.0, its power only a cross-check",
      quantities: [
        quantity("1-0:1.8.0", [10, 1]),
        quantity("1-0:2.8.0", [3, 1]),
        quantity("1-0:1.7.0", [9.9, 1]),
        quantity("1-0:2.7.0", [3.1, 1]),
      ],
      import: [{ kWh: 10, method: "register", completeness: 1, resets: 0 }],
      export: [{ kWh: 3, method: "register", completeness: 1, resets: 0 }],
    },
    {
      name: "a source that reports only power: both directions integrated from power",
      quantities: [quantity("1-0:1.7.0", [4, 1]), quantity("1-0:2.7.0", [2, 0.5])],
      import: [{ kWh: 4, method: "power", completeness: 1, resets: 0 }],
      export: [{ kWh: 2, method: "power", completeness: 0.5, resets: 0 }],
    },
    {
      name: "only phase registers: their sum, as complete as the least complete phase",
      quantities: [
        quantity("1-0:21.8.0", [1, 1], [1, 1]),
        quantity("1-0:41.8.0", [2, 0.5], null),
        quantity("1-0:61.8.0", [3, 1], [3, 1]),
      ],
      import: [
        { kWh: 6, method: "register", completeness: 0.5, resets: 0 },
        { kWh: 4, method: "register", completeness: 0, resets: 0 },
      ],
      export: [null, null],
    },
    {
      name: "a day without register readings falls back to power for that day only",
      quantities: [
        quantity("1-0:1.8.0", [10, 1], null, [12, 1]),
        quantity("1-0:1.7.0", [9, 1], [8, 0.9], null),
      ],
      import: [
        { kWh: 10, method: "register", completeness: 1, resets: 0 },
        { kWh: 8, method: "power", completeness: 0.9, resets: 0 },
        { kWh: 12, method: "register", completeness: 1, resets: 0 },
      ],
      export: [null, null, null],
    },
    {
      name: "the total register wins over phase registers; quantities that are no active energy are ignored",
      quantities: [
        quantity("1-0:1.8.0", [10, 1]),
        quantity("1-0:21.8.0", [3, 1]),
        quantity("1-0:32.7.0", [230, 1]),
      ],
      import: [{ kWh: 10, method: "register", completeness: 1, resets: 0 }],
      export: [null],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const intervals = c.import.length;
      assert.deepEqual(flowPerInterval("import", c.quantities, intervals), c.import);
      assert.deepEqual(flowPerInterval("export", c.quantities, intervals), c.export);
    });
  }
});
