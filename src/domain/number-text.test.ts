import assert from "node:assert/strict";
import { test } from "node:test";
import { durationText } from "./duration-text.ts";
import { numberText } from "./number-text.ts";

test("numbers read with a dot, grouping and no exponent for ordinary magnitudes", () => {
  assert.equal(numberText(2.5), "2.5");
  assert.equal(numberText(1500), "1,500");
  assert.equal(numberText(-0.75), "-0.75");
  assert.equal(numberText(0), "0");
  assert.equal(numberText(0.1 + 0.2), "0.3", "float noise is cut at 6 decimals");
  assert.equal(numberText(18234.5), "18,234.5");
  assert.equal(numberText(1e-7), "1e-7", "too small for 6 decimals: JavaScript's own form");
  assert.equal(numberText(1e21), "1e+21");
});

test("durations use the largest unit that reads well", () => {
  assert.equal(durationText(45_000), "45 s");
  assert.equal(durationText(119_000), "119 s");
  assert.equal(durationText(12 * 60_000), "12 min");
  assert.equal(durationText(90 * 60_000), "90 min");
  assert.equal(durationText(5 * 3_600_000), "5 h");
  assert.equal(durationText(2_798_339_281), "32 days", "the issue's 2798339.281 s");
  assert.equal(durationText(-3 * 86_400_000), "3 days");
});
