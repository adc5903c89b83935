import assert from "node:assert/strict";
import { test } from "node:test";
import { checkMeteringId } from "./metering-id.ts";

const REAL_IDS = [
  "AT0031000000000000000000198159000", // Austrian metering point (33)
  "AT0010000000000000001000004392360",
  "DE00056266802AO6G56M11SN51G21M24S", // German MeLo (33)
  "50739017853", // German MaLo (11 digits)
  "871687400000000000", // Dutch EAN (18 digits)
  "14295207162548", // French PRM (14 digits)
  "ES0021000000000000AA0F", // Spanish CUPS (20-22)
  "541448820000000000", // Belgian EAN (18)
  "571313100000000000", // Danish GSRN (18)
  "10XAT-APG------Z", // EIC code of a grid operator
  "AT003000", // Austrian grid operator number
  "9900000000001", // BDEW code (13 digits)
  "003114735", // a meter serial
  "1ESY1161229886", // a meter serial with letters
  "SERIAL_2024.7",
];

test("real meter, metering point and operator ids are accepted as they are", () => {
  for (const id of REAL_IDS) {
    assert.deepEqual(checkMeteringId(id, "meter"), { ok: true, id }, id);
    assert.deepEqual(checkMeteringId(id, "operator"), { ok: true, id }, id);
  }
});

test("ids are written in upper case without the gaps bills print", () => {
  const id = "AT0031000000000000000000198159000";
  const printed = ` ${id
    .toLowerCase()
    .match(/.{1,5}/g)
    ?.join(" ")} `;
  assert.deepEqual(checkMeteringId(printed, "meter"), { ok: true, id });
  assert.deepEqual(checkMeteringId("meter123", "meter"), { ok: true, id: "METER123" });
});

test("other characters are refused with what is allowed", () => {
  for (const bad of ["AT00/31", "Zähler 1", "meter#1", "a+b", "<script>"]) {
    const result = checkMeteringId(bad, "operator");
    assert.equal(result.ok, false, bad);
    if (!result.ok)
      assert.match(result.reason, /^use only letters, digits and - _ \. \(an Austrian metering point id/);
  }
});

test("a meter id like an Austrian metering point must have its 33 characters", () => {
  const short = checkMeteringId("AT003100000000000000000019815900", "meter");
  assert.deepEqual(short, {
    ok: false,
    reason:
      "an Austrian metering point id (AT00…) has 33 characters: AT and 31 digits or letters; this one has 32",
  });
  assert.equal(checkMeteringId("AT0031000000000000000000198159000X", "meter").ok, false);
  assert.equal(checkMeteringId("AT003100000000000000000019815900", "operator").ok, true, "not for operators");
  assert.equal(checkMeteringId("AT0031000", "meter").ok, true, "a short AT00 id is something else");
});

test("more than 64 characters are refused", () => {
  const result = checkMeteringId("A".repeat(65), "meter");
  assert.deepEqual(result, { ok: false, reason: "must be at most 64 characters, got 65" });
});
