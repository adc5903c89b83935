import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { QuantityEnergy } from "../domain/energy-flow.ts";
import { obisByCode } from "../domain/obis-code.ts";
import { calendarEdges } from "../platform/calendar-intervals.ts";
import { energyCsv } from "./energy-csv.ts";

const key = (code: string) => obisByCode(code)?.key ?? assert.fail(`no OBIS ${code}`);
const twoDays = calendarEdges(
  Date.parse("2026-06-01T00:00Z"),
  Date.parse("2026-06-03T00:00Z"),
  "day",
  "UTC",
  10,
);
if ("problem" in twoDays) assert.fail("no edges");

describe("energy per period as CSV", () => {
  it("names a solar inverter's export Solar production and its unnamed import Import; numbers carry no float noise", () => {
    const quantities: QuantityEnergy[] = [
      {
        obisKey: key("1-0:2.8.0"),
        intervals: [
          { kWh: 18240.1 - 18234.567, completeness: 0.958912, resets: 1 },
          { kWh: null, completeness: 0, resets: 0 },
        ],
      },
      // Power only, in the second day: the CSV says so in the method column.
      {
        obisKey: key("1-0:1.7.0"),
        intervals: [
          { kWh: null, completeness: 0, resets: 0 },
          { kWh: 0.1 + 0.2, completeness: 1 / 3, resets: 0 },
        ],
      },
    ];
    assert.equal(
      energyCsv("PV_INVERTER", twoDays, quantities, "UTC"),
      [
        "Local start (UTC),Local end (UTC),UTC start,Import (kWh),Solar production (kWh),Import method,Import completeness (%),Import resets,Solar production method,Solar production completeness (%),Solar production resets",
        "2026-06-01T00:00:00+00:00,2026-06-02T00:00:00+00:00,2026-06-01T00:00:00Z,,5.533,,,,register,95.89,1",
        "2026-06-02T00:00:00+00:00,2026-06-03T00:00:00+00:00,2026-06-02T00:00:00Z,0.3,,power,33.33,0,,,",
        "",
      ].join("\r\n"),
    );
  });

  it("uses each role's names for the two directions", () => {
    const header = (role: Parameters<typeof energyCsv>[0]) =>
      energyCsv(role, twoDays, [], "UTC").split("\r\n")[0]?.split(",").slice(3, 5);
    assert.deepEqual(header("GRID_METER"), ["Grid import (kWh)", "Feed-in (kWh)"]);
    assert.deepEqual(header("BATTERY"), ["Battery charge (kWh)", "Battery discharge (kWh)"]);
    assert.deepEqual(header("HEAT_PUMP"), ["Heat pump consumption (kWh)", "Export (kWh)"]);
  });
});
