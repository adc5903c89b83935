import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildTimeSeries, formatTimeSeries } from "../../src/cim/format-time-series.ts";

describe("formatTimeSeries", () => {
  it("writes the dotted spelling AIIDA accepts, type as a string, UTC time with Z, nothing else", () => {
    const text = formatTimeSeries({
      timestamp: Date.UTC(2025, 6, 1, 7, 43, 59, 73),
      quantities: [
        { type: 0, quantity: 25 },
        { type: 2, quantity: 1.75, quality: "A04" },
      ],
      registeredResource: { value: "AT0031000000000000000000198159000", codingScheme: "NAT" },
    });
    assert.equal(
      text,
      '{"version":"1.0","registeredResource.mRID":{"value":"AT0031000000000000000000198159000","codingScheme":"NAT"},' +
        '"dateAndOrTime.dateTime":"2025-07-01T07:43:59.073Z","Quantity":[' +
        '{"quantity":25,"type":"0","quality":"AS_PROVIDED"},{"quantity":1.75,"type":"2","quality":"AS_PROVIDED"}]}',
    );
  });

  it("leaves registeredResource.mRID out when there is none, and codingScheme out when unknown", () => {
    assert.deepEqual(
      Object.keys(buildTimeSeries({ timestamp: 0, quantities: [{ type: 35, quantity: 50 }] })),
      ["version", "dateAndOrTime.dateTime", "Quantity"],
    );
    assert.deepEqual(
      buildTimeSeries({
        timestamp: 0,
        quantities: [{ type: 1, quantity: 1 }],
        registeredResource: { value: "x" },
      })["registeredResource.mRID"],
      { value: "x" },
    );
  });

  it("writes -0 as 0", () => {
    assert.equal(
      buildTimeSeries({ timestamp: 0, quantities: [{ type: 3, quantity: -0 }] }).Quantity[0]?.quantity,
      0,
    );
    assert.match(
      formatTimeSeries({ timestamp: 0, quantities: [{ type: 3, quantity: -0 }] }),
      /"quantity":0,/,
    );
  });

  const invalid = [
    {
      name: "an unknown type",
      input: { timestamp: 0, quantities: [{ type: 36, quantity: 1 }] },
      why: /not a CIM v1\.12/,
    },
    {
      name: "NaN",
      input: { timestamp: 0, quantities: [{ type: 2, quantity: Number.NaN }] },
      why: /not a finite/,
    },
    { name: "no quantities", input: { timestamp: 0, quantities: [] }, why: /at least one/ },
    {
      name: "a type twice",
      input: {
        timestamp: 0,
        quantities: [
          { type: 2, quantity: 1 },
          { type: 2, quantity: 2 },
        ],
      },
      why: /appears twice/,
    },
    {
      name: "an invalid time",
      input: { timestamp: Number.NaN, quantities: [{ type: 2, quantity: 1 }] },
      why: /valid time/,
    },
    {
      name: "an unknown quality",
      input: { timestamp: 0, quantities: [{ type: 2, quantity: 1, quality: "GOOD" }] },
      why: /quality "GOOD"/,
    },
  ];
  for (const c of invalid) {
    it(`refuses ${c.name}`, () => {
      assert.throws(() => formatTimeSeries(c.input), c.why);
    });
  }
});
