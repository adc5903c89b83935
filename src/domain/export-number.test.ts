import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exportNumber } from "./export-number.ts";

describe("exported numbers carry no float noise and no exponent", () => {
  const cases: ReadonlyArray<readonly [string, number, string]> = [
    ["the issue's voltage", 235.85000000000002, "235.85"],
    ["a sum of binary fractions", 0.1 + 0.2, "0.3"],
    ["a difference of binary fractions", 1.1 - 1, "0.1"],
    ["a product with noise", 3 * 1.1, "3.3"],
    ["an integer", 42, "42"],
    ["zero", 0, "0"],
    ["negative zero", -0, "0"],
    ["a negative value", -0.75, "-0.75"],
    ["a negative value with noise", -(0.1 + 0.2), "-0.3"],
    ["a meter total with three decimals", 18234.567, "18234.567"],
    ["a 12-digit total stays whole", 123456789.123, "123456789.123"],
    ["digits beyond the twelfth are rounded off", 1234567.8901235, "1234567.89012"],
    ["twelve nines round up to the next power", 0.9999999999999, "1"],
    ["a tiny value is written out, not as 1e-7", 1e-7, "0.0000001"],
    ["a tiny value with noise", 1.0000000000000002e-7, "0.0000001"],
    ["a huge value is written out, not as 1e+21", 1e21, "1000000000000000000000"],
    ["a huge value rounds to 12 digits", 123456789012345680000, "123456789012000000000"],
    ["a power factor", 0.98, "0.98"],
    ["a frequency", 49.99, "49.99"],
    ["the largest safe integer keeps 12 digits", Number.MAX_SAFE_INTEGER, "9007199254740000"],
  ];
  for (const [name, value, expected] of cases) {
    it(`${name}: ${value} → ${expected}`, () => assert.equal(exportNumber(value), expected));
  }

  it("reads back as the value rounded to 12 significant digits", () => {
    for (const value of [235.85000000000002, 1 / 3, Math.PI * 1e5, -2 / 7, 6.02214076e23]) {
      assert.equal(Number(exportNumber(value)), Number(value.toPrecision(12)));
    }
  });
});
