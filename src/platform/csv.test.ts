import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { csvField, csvRow } from "./csv.ts";

describe("CSV fields and rows (RFC 4180)", () => {
  const fields: ReadonlyArray<readonly [string, string | null, string]> = [
    [
      "plain text stays as it is",
      "Instantaneous voltage in phase L1 (V) [1-0:32.7.0]",
      "Instantaneous voltage in phase L1 (V) [1-0:32.7.0]",
    ],
    ["null is an empty field", null, ""],
    ["an empty string is an empty field", "", ""],
    ["a comma is quoted", "Smith, John", '"Smith, John"'],
    ["a quote is doubled inside quotes", 'the "main" meter', '"the ""main"" meter"'],
    ["a line feed is quoted", "two\nlines", '"two\nlines"'],
    ["a carriage return is quoted", "two\rlines", '"two\rlines"'],
    ["spaces are part of the field, unquoted", "  padded ", "  padded "],
    ["a semicolon is no separator here", "a;b", "a;b"],
    ["non-ASCII text passes through as UTF-8", "Zähler Küche ⚡", "Zähler Küche ⚡"],
    ["a lone quote is quoted and doubled", '"', '""""'],
  ];
  for (const [name, input, expected] of fields) {
    it(name, () => assert.equal(csvField(input), expected));
  }

  it("a row joins its fields with commas and ends with CRLF", () => {
    assert.equal(csvRow(["a", null, "b,c", "1.5"]), 'a,,"b,c",1.5\r\n');
  });

  it("a row of one empty field is an empty line", () => {
    assert.equal(csvRow([null]), "\r\n");
  });
});
