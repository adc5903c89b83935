import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MapOptionError, parseMapOption, parseSetOptions } from "../../src/device/map-option.ts";
import { RegisterImage } from "../../src/device/modbus-registers.ts";
import { loadProfile } from "../../src/device/profile-catalogue.ts";
import type { ModbusProfile } from "../../src/device/profile-schema.ts";
import { mapValue } from "../../src/device/value-mapping.ts";

const huawei = loadProfile("huawei-sun2000") as ModbusProfile;
const meterPower = huawei.fields.find((f) => f.address === 37113);

/** The two words an int32 register pair holds for a value. */
function int32Words(value: number): number[] {
  const unsigned = value < 0 ? value + 0x100000000 : value;
  return [Math.floor(unsigned / 0x10000), unsigned % 0x10000];
}

/** Maps register 37113 holding `watts` through the shipped Huawei profile. */
function huaweiMeterPower(watts: number) {
  assert.ok(meterPower, "the Huawei profile maps register 37113");
  const image = new RegisterImage();
  image.put({ start: 37113, count: 2 }, int32Words(watts));
  return mapValue(meterPower, image.valueOf(meterPower));
}

describe("Huawei meter active power (37113, positive = export) is split into consumption and generation", () => {
  const cases = [
    {
      name: "exporting 1830 W → generation (type 3) 1.83 kW, consumption (type 2) 0",
      watts: 1830,
      type2: 0,
      type3: 1.83,
    },
    {
      name: "importing 742 W (negative) → consumption (type 2) 0.742 kW, generation 0",
      watts: -742,
      type2: 0.742,
      type3: 0,
    },
    { name: "idle 0 W → both 0", watts: 0, type2: 0, type3: 0 },
    {
      name: "importing the int32 minimum still decodes as negative",
      watts: -2147483648,
      type2: 2147483.648,
      type3: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const quantities = huaweiMeterPower(c.watts);
      const byType = new Map(quantities.map((q) => [q.type, q.quantity]));
      assert.deepEqual([...byType.keys()].sort(), [2, 3]);
      assert.equal(byType.get(2), c.type2);
      assert.equal(byType.get(3), c.type3);
    });
  }
});

describe("value mapping", () => {
  it("scales without binary noise (2305 × 0.1 = 230.5, not 230.50000000000003)", () => {
    assert.deepEqual(
      mapValue(
        { obis: "1-0:32.7.0", scale: 0.1, sign: 1, absolute: false, positiveOnly: false, optional: false },
        2305,
      ),
      [{ type: 4, quantity: 230.5 }],
    );
  });

  it("flips the sign before splitting when a meter reports import as negative", () => {
    const mapping = {
      obis: "1-0:1.7.0",
      obisWhenNegative: "1-0:2.7.0",
      scale: 0.001,
      sign: -1 as const,
      absolute: false,
      positiveOnly: false,
      optional: false,
    };
    assert.deepEqual(mapValue(mapping, -500), [
      { type: 2, quantity: 0.5 },
      { type: 3, quantity: 0 },
    ]);
  });

  it("sends the magnitude of a direction-signed current", () => {
    assert.deepEqual(
      mapValue(
        { obis: "1-0:31.7.0", scale: 0.01, sign: 1, absolute: true, positiveOnly: false, optional: false },
        -265,
      ),
      [{ type: 7, quantity: 2.65 }],
    );
  });
});

describe("--map and --set", () => {
  it("reads a pointer, a CIM type or OBIS code, and modifiers", () => {
    assert.deepEqual(parseMapOption("/StatusSNS/SML/P=2,negative=1-0:2.7.0,scale=0.001,sign=-1,optional"), {
      pointer: "/StatusSNS/SML/P",
      obis: "1-0:1.7.0",
      obisWhenNegative: "1-0:2.7.0",
      scale: 0.001,
      sign: -1,
      absolute: false,
      positiveOnly: false,
      optional: true,
    });
    assert.equal(parseMapOption("/I=31,absolute").absolute, true);
    assert.equal(parseMapOption("/1.8.0=1-0:1.8.0").obis, "1-0:1.8.0");
  });

  const bad = [
    { spec: "power=2", why: /starts with "\/"/ },
    { spec: "/p=36", why: /CIM type 36 does not exist/ },
    { spec: "/p=1-0:9.7.0", why: /not an OBIS code a CIM TimeSeries can carry/ },
    { spec: "/p=2,scale=abc", why: /scale abc is not a number/ },
    { spec: "/p=2,factor=3", why: /unknown modifier "factor=3"/ },
    { spec: "/p", why: /expected <JSON pointer>=/ },
    {
      spec: "/p=2,negative=3,absolute",
      why: /^--map \/p=2,negative=3,absolute: negative= sends a negative value's magnitude to another quantity, absolute sends it here: use one$/,
    },
  ];
  for (const b of bad) {
    it(`refuses --map ${b.spec} with a message that says why`, () => {
      assert.throws(
        () => parseMapOption(b.spec),
        (error: Error) => error instanceof MapOptionError && b.why.test(error.message),
      );
    });
  }

  it("reads --set name=value pairs and refuses anything else", () => {
    assert.deepEqual(parseSetOptions(["meter=MT681", "power=Power/L1"]), {
      meter: "MT681",
      power: "Power/L1",
    });
    assert.throws(() => parseSetOptions(["=x"]), /expected <variable>=<value>/);
  });
});
