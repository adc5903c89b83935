import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseTimeSeries } from "../cim/parse-time-series.ts";
import type { DataSourceRole } from "../domain/data-source-role.ts";
import { OBIS_CODES } from "../domain/obis-code.ts";
import { obisOfPlausibilityKey, plausibleRange, quantityKindOf } from "../domain/plausibility.ts";
import { QUANTITY_TYPES } from "../domain/quantity-type.ts";
import { plausibilityWarnings } from "./plausibility-check.ts";

const NOW = Date.parse("2025-07-01T08:00:00Z");

/** The plausibility warnings on a message with these quantities, for a grid meter (or `role`) with `overrides`. */
function check(
  quantities: unknown[],
  overrides: Parameters<typeof plausibleRange>[1] = null,
  role: DataSourceRole = "GRID_METER",
) {
  const parsed = parseTimeSeries(JSON.stringify({ Quantity: quantities }), {
    now: NOW,
    maxFutureMs: 300_000,
    maxPastMs: Number.POSITIVE_INFINITY,
    pastWarningMs: Number.POSITIVE_INFINITY,
  });
  if (!parsed.ok) assert.fail(JSON.stringify(parsed.problems));
  return plausibilityWarnings({ plausibility: overrides, role }, parsed.series);
}

describe("plausible ranges", () => {
  test("every CIM quantity type has a kind with a range", () => {
    for (const type of QUANTITY_TYPES) assert.ok(quantityKindOf(type.obis.code), type.name);
  });

  test("ids and times have none", () => {
    for (const code of ["0-0:96.1.0", "0-0:1.0.0", "0-0:0.0.0"])
      assert.equal(plausibleRange(code, null), undefined);
    assert.ok(OBIS_CODES.length > QUANTITY_TYPES.length);
  });

  test("a data source's own end replaces the default, the other end stays", () => {
    assert.deepEqual(plausibleRange("1-0:1.7.0", null), { min: -100, max: 100 });
    assert.deepEqual(plausibleRange("1-0:1.7.0", { "1-0:1.7.0": { max: 2000 } }), { min: -100, max: 2000 });
  });

  test("keys may be an OBIS code, a quantity type code or its name", () => {
    assert.equal(obisOfPlausibilityKey("1-0:1.7.0")?.code, "1-0:1.7.0");
    assert.equal(obisOfPlausibilityKey("2")?.code, "1-0:1.7.0");
    assert.equal(obisOfPlausibilityKey("instantaneous_active_power_consumption_kw")?.code, "1-0:1.7.0");
    assert.equal(obisOfPlausibilityKey("0-0:96.1.0"), undefined, "no range for a device id");
    assert.equal(obisOfPlausibilityKey("36"), undefined);
  });
});

describe("plausibility warnings", () => {
  test("values a household has give none (and no allocation)", () => {
    const quiet = check([
      { quantity: 18234.5, type: "0" },
      { quantity: 2.5, type: "2" },
      { quantity: 231.4, type: "4" },
      { quantity: 12.3, type: "7" },
      { quantity: 0.97, type: "10" },
      { quantity: 50.01, type: "35" },
    ]);
    assert.deepEqual(quiet, []);
    assert.equal(quiet, check([{ quantity: 1, type: "0" }]), "the shared empty list");
  });

  test("1,500 kW consumption: W sent as kW", () => {
    assert.deepEqual(
      check([
        { quantity: 25, type: "0" },
        { quantity: 1500, type: "2" },
      ]),
      [
        {
          path: "$.Quantity[1].quantity",
          reason: "1500 is outside the plausible range -100..100 kW of 1-0:1.7.0: stored",
          message:
            "Grid import 1,500 kW is far more than a household draws (at most 100 kW expected) — does the device send W instead of kW? Stored all the same.",
          plausibility: { obis: "1-0:1.7.0", value: 1500, unit: "kW", min: -100, max: 100 },
        },
      ],
    );
  });

  test("far above without a unit slip asks about the register", () => {
    const [warning] = check([{ quantity: 900_000, type: "2" }]);
    assert.match(
      warning?.message ?? "",
      /900,000 kW is far more than a household draws .* is it the right register and unit\?/,
    );
  });

  test("below the range: a negative register, a voltage of 0", () => {
    const warnings = check([
      { quantity: -5, type: "0" },
      { quantity: 0, type: "4" },
    ]);
    assert.deepEqual(
      warnings.map((w) => w.message),
      [
        "Grid import (total) -5 kWh is below the 0 kWh expected at least — is it the right register and unit? Stored all the same.",
        "Instantaneous voltage in phase L1 0 V is below the 150 V expected at least — is it the right register and unit? Stored all the same.",
      ],
    );
  });

  test("a data source's own range is used and named", () => {
    const overrides = { "1-0:1.7.0": { max: 2000 } };
    assert.deepEqual(check([{ quantity: 1500, type: "2" }], overrides), []);
    const [warning] = check([{ quantity: 2500, type: "2" }], overrides);
    assert.equal(
      warning?.message,
      "Grid import 2,500 kW is more than the 2,000 kW set for this data source — does the device send W instead of kW? Stored all the same.",
    );
    assert.match(warning?.reason ?? "", /set for this data source: stored$/);
  });

  test("the sentence calls the quantity by its plain name for the data source's role", () => {
    const sentences = (role: DataSourceRole) =>
      check([{ quantity: 1500, type: "3" }], null, role).map((w) => w.message.split(" is ")[0]);
    assert.deepEqual(sentences("PV_INVERTER"), ["Solar production 1,500 kW"]);
    assert.deepEqual(sentences("BATTERY"), ["Battery discharge 1,500 kW"]);
    assert.deepEqual(sentences("HEAT_PUMP"), ["Instantaneous active power generation 1,500 kW"]);
  });

  test("only the end the data source set is called its own", () => {
    const [warning] = check([{ quantity: 1500, type: "2" }], { "1-0:1.7.0": { min: 0 } });
    assert.match(warning?.message ?? "", /is far more than a household draws \(at most 100 kW expected\)/);
    assert.doesNotMatch(warning?.reason ?? "", /set for this data source/);
  });

  test("the camelCase list's path is used", () => {
    const parsed = parseTimeSeries(JSON.stringify({ quantities: [{ quantity: 70, type: 35 }] }), {
      now: NOW,
      maxFutureMs: 0,
      maxPastMs: 0,
      pastWarningMs: 0,
    });
    if (!parsed.ok) assert.fail("refused");
    assert.equal(
      plausibilityWarnings({ plausibility: null, role: "OTHER_CONSUMER" }, parsed.series)[0]?.path,
      "$.quantities[0].quantity",
    );
  });
});
