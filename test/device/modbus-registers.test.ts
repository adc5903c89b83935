import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeRegisters, planRegisterBlocks } from "../../src/device/modbus-registers.ts";
import { loadProfile } from "../../src/device/profile-catalogue.ts";
import type { ModbusField, ModbusProfile } from "../../src/device/profile-schema.ts";

function field(address: number, dataType: ModbusField["dataType"]): ModbusField {
  return {
    address,
    dataType,
    obis: "1-0:1.7.0",
    scale: 1,
    sign: 1,
    absolute: false,
    positiveOnly: false,
    optional: false,
  };
}

describe("Modbus registers", () => {
  const decoding = [
    { words: [0, 1830], type: "int32", value: 1830 },
    { words: [65535, 64794], type: "int32", value: -742 },
    { words: [32768, 0], type: "int32", value: -2147483648 },
    { words: [65535, 65535], type: "uint32", value: 4294967295 },
    { words: [2, 21275], type: "uint32", value: 152347 },
    { words: [65535], type: "int16", value: -1 },
    { words: [982], type: "int16", value: 982 },
    { words: [65535], type: "uint16", value: 65535 },
  ] as const;
  for (const d of decoding) {
    it(`decodes ${d.type} [${d.words.join(", ")}] as ${d.value} (high word first)`, () => {
      assert.equal(decodeRegisters(d.words, d.type), d.value);
    });
  }

  it("reads the whole Huawei meter block 37101..37137 in one request", () => {
    const huawei = loadProfile("huawei-sun2000") as ModbusProfile;
    assert.deepEqual(planRegisterBlocks(huawei.fields, huawei.maxRegistersPerRead, huawei.maxGapRegisters), [
      { start: 37101, count: 37 },
    ]);
  });

  it("splits blocks at gaps larger than allowed and at the per-request limit", () => {
    const fields = [field(100, "int32"), field(102, "uint16"), field(110, "int16"), field(111, "int32")];
    assert.deepEqual(planRegisterBlocks(fields, 125, 0), [
      { start: 100, count: 3 },
      { start: 110, count: 3 },
    ]);
    assert.deepEqual(planRegisterBlocks(fields, 125, 7), [{ start: 100, count: 13 }]);
    assert.deepEqual(planRegisterBlocks(fields, 4, 7), [
      { start: 100, count: 3 },
      { start: 110, count: 3 },
    ]);
  });
});
