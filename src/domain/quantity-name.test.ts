import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ASSETS } from "./data-source.ts";
import {
  ASSET_DEFAULT_ROLES,
  DATA_SOURCE_ROLES,
  type DataSourceRole,
  defaultRoleOf,
} from "./data-source-role.ts";
import { plainQuantityName, quantityName } from "./quantity-name.ts";
import { quantityTypeByObis } from "./quantity-type.ts";

/** Each role's names of the active power and energy quantities; "" where the role names none. */
const NAMES: ReadonlyArray<readonly [string, Readonly<Record<DataSourceRole, string>>]> = [
  [
    "1-0:1.7.0",
    {
      GRID_METER: "Grid import",
      PV_INVERTER: "",
      BATTERY: "Battery charge",
      HEAT_PUMP: "Heat pump consumption",
      EV_CHARGER: "EV charger consumption",
      OTHER_CONSUMER: "Consumption",
    },
  ],
  [
    "1-0:2.7.0",
    {
      GRID_METER: "Feed-in",
      PV_INVERTER: "Solar production",
      BATTERY: "Battery discharge",
      HEAT_PUMP: "",
      EV_CHARGER: "",
      OTHER_CONSUMER: "",
    },
  ],
  [
    "1-0:1.8.0",
    {
      GRID_METER: "Grid import (total)",
      PV_INVERTER: "",
      BATTERY: "Battery charge (total)",
      HEAT_PUMP: "Heat pump consumption (total)",
      EV_CHARGER: "EV charger consumption (total)",
      OTHER_CONSUMER: "Consumption (total)",
    },
  ],
  [
    "1-0:2.8.0",
    {
      GRID_METER: "Feed-in (total)",
      PV_INVERTER: "Solar production (total)",
      BATTERY: "Battery discharge (total)",
      HEAT_PUMP: "",
      EV_CHARGER: "",
      OTHER_CONSUMER: "",
    },
  ],
  [
    "1-0:21.7.0",
    {
      GRID_METER: "Grid import in phase L1",
      PV_INVERTER: "",
      BATTERY: "Battery charge in phase L1",
      HEAT_PUMP: "Heat pump consumption in phase L1",
      EV_CHARGER: "EV charger consumption in phase L1",
      OTHER_CONSUMER: "Consumption in phase L1",
    },
  ],
  [
    "1-0:61.8.0",
    {
      GRID_METER: "Grid import in phase L3 (total)",
      PV_INVERTER: "",
      BATTERY: "Battery charge in phase L3 (total)",
      HEAT_PUMP: "Heat pump consumption in phase L3 (total)",
      EV_CHARGER: "EV charger consumption in phase L3 (total)",
      OTHER_CONSUMER: "Consumption in phase L3 (total)",
    },
  ],
  [
    "1-0:42.8.0",
    {
      GRID_METER: "Feed-in in phase L2 (total)",
      PV_INVERTER: "Solar production in phase L2 (total)",
      BATTERY: "Battery discharge in phase L2 (total)",
      HEAT_PUMP: "",
      EV_CHARGER: "",
      OTHER_CONSUMER: "",
    },
  ],
];

/** Quantities no role renames, with the CIM words they keep. */
const UNNAMED: ReadonlyArray<readonly [string, string]> = [
  ["1-0:32.7.0", "Instantaneous voltage in phase L1"],
  ["1-0:31.7.0", "Instantaneous current in phase L1"],
  ["1-0:13.7.0", "Instantaneous power factor"],
  ["1-0:14.7.0", "Frequency"],
  ["1-0:3.7.0", "Instantaneous reactive power consumption"],
  ["1-0:91.7.0", "Instantaneous current in the neutral"],
];

const typeOf = (obis: string) => {
  const type = quantityTypeByObis(obis);
  assert.ok(type, `${obis} is a CIM quantity type`);
  return type;
};

describe("plain quantity names by role", () => {
  for (const [obis, byRole] of NAMES) {
    for (const role of DATA_SOURCE_ROLES) {
      const expected = byRole[role];
      const cim = quantityName(typeOf(obis));
      test(`${role} calls ${obis} ${expected === "" ? `by its CIM name "${cim}"` : `"${expected}"`}`, () => {
        assert.equal(quantityName(typeOf(obis), role), expected === "" ? cim : expected);
        assert.equal(plainQuantityName(role, obis) === undefined, expected === "");
      });
    }
  }

  for (const [obis, words] of UNNAMED) {
    test(`${obis} is "${words}" for every role and without one`, () => {
      assert.equal(quantityName(typeOf(obis)), words);
      for (const role of DATA_SOURCE_ROLES) {
        assert.equal(quantityName(typeOf(obis), role), words, role);
        assert.equal(plainQuantityName(role, obis), undefined, role);
      }
    });
  }

  test("without a role a quantity keeps its CIM words, even one a role would rename", () => {
    assert.equal(quantityName(typeOf("1-0:1.7.0")), "Instantaneous active power consumption");
    assert.equal(quantityName(typeOf("1-0:2.8.0")), "Total active energy produced");
  });

  test("a plain name comes in parts a UI can translate: the flow, whether it is a total, the phase", () => {
    assert.deepEqual(plainQuantityName("GRID_METER", "1-0:22.8.0"), {
      flow: "feedIn",
      total: true,
      phase: "L1",
    });
    assert.deepEqual(plainQuantityName("PV_INVERTER", "1-0:2.7.0"), {
      flow: "solarProduction",
      total: false,
      phase: null,
    });
    assert.equal(plainQuantityName("GRID_METER", "0-0:96.1.0"), undefined, "no quantity: no plain name");
  });
});

describe("a data source's default role", () => {
  const expected = {
    "CONNECTION-AGREEMENT-POINT": "GRID_METER",
    "CONTROLLABLE-UNIT": "OTHER_CONSUMER",
    "DEDICATED-MEASUREMENT-DEVICE": "OTHER_CONSUMER",
    SUBMETER: "OTHER_CONSUMER",
  } as const;
  for (const asset of ASSETS) {
    test(`is ${expected[asset]} for the asset ${asset}`, () => {
      assert.equal(defaultRoleOf(asset), expected[asset]);
      assert.equal(ASSET_DEFAULT_ROLES[asset], expected[asset]);
    });
  }
});
