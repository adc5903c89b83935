import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { QUANTITY_TYPES, type QuantityType } from "../domain/quantity-type.ts";
import {
  type CimProblem,
  type ParsedTimeSeries,
  type ParseTimeSeriesOptions,
  parseTimeSeries,
} from "./parse-time-series.ts";

const NOW = Date.parse("2025-07-01T08:00:00Z");
const DAY_MS = 86_400_000;
// No horizon in the past here: the cases below about old dates are about reading them, not their age.
const OPTIONS: ParseTimeSeriesOptions = {
  now: NOW,
  maxFutureMs: 5 * 60_000,
  maxPastMs: Number.POSITIVE_INFINITY,
  pastWarningMs: 7 * DAY_MS,
};

function fixture(name: string): string {
  return readFileSync(new URL(`../../test/fixtures/cim/${name}`, import.meta.url), "utf8");
}

type Json = Record<string, unknown>;

/** The dotted fixture with some top-level fields replaced; `undefined` removes a field. */
function dottedWith(changes: Json): string {
  const message = JSON.parse(fixture("dotted.json")) as Json;
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete message[key];
    else message[key] = value;
  }
  return JSON.stringify(message);
}

/** The dotted fixture with this Quantity array. */
function withQuantities(...quantities: unknown[]): string {
  return dottedWith({ Quantity: quantities });
}

function accepted(payload: Uint8Array | string, options = OPTIONS): ParsedTimeSeries {
  const result = parseTimeSeries(payload, options);
  if (!result.ok) assert.fail(`expected the message to be accepted, got ${JSON.stringify(result.problems)}`);
  return result.series;
}

function refused(payload: Uint8Array | string): {
  problems: readonly CimProblem[];
  ignoredFields: readonly string[];
} {
  const result = parseTimeSeries(payload, OPTIONS);
  if (result.ok) assert.fail(`expected the message to be refused, got ${JSON.stringify(result.series)}`);
  return result;
}

/** Checks the problems' paths exactly and each reason against its pattern. */
function assertProblems(
  actual: readonly CimProblem[],
  expected: ReadonlyArray<readonly [string, RegExp]>,
): void {
  assert.deepEqual(
    actual.map((p) => p.path),
    expected.map(([path]) => path),
    JSON.stringify(actual),
  );
  expected.forEach(([, pattern], index) => {
    assert.match(actual[index]?.reason ?? "", pattern);
  });
}

function quantityType(code: number): QuantityType {
  const type = QUANTITY_TYPES[code];
  if (type === undefined) assert.fail(`no quantity type ${code}`);
  return type;
}

/** The example as parsed from its dotted spelling; the camelCase one differs only in the list's path. */
const EXAMPLE: ParsedTimeSeries = {
  timestamp: Date.parse("2025-07-01T07:43:59.073Z"),
  resource: { value: "5eef407d-d14f-49d4-b61a-769a20caa540", codingScheme: "NAT" },
  quantities: [
    { index: 0, type: quantityType(0), value: 25, quality: "AS_PROVIDED" },
    { index: 1, type: quantityType(2), value: 1750, quality: "AS_PROVIDED" },
  ],
  quantityListPath: "$.Quantity",
  problems: [],
  ignoredFields: [],
  warnings: [],
};
const CAMEL_EXAMPLE: ParsedTimeSeries = { ...EXAMPLE, quantityListPath: "$.quantities" };

describe("the documented example", () => {
  test("the source page's camelCase payload gives types 0 and 2 with OBIS codes and units", () => {
    const series = accepted(fixture("source-page-camel-case.json"));
    assert.deepEqual(series, CAMEL_EXAMPLE);
    assert.deepEqual(
      series.quantities.map((q) => [q.type.code, q.value, q.type.obis.code, q.type.obis.unit]),
      [
        [0, 25, "1-0:1.8.0", "kWh"],
        [2, 1750, "1-0:1.7.0", "kW"],
      ],
    );
    assert.equal(new Date(series.timestamp ?? 0).toISOString(), "2025-07-01T07:43:59.073Z");
  });

  test("the dotted spelling AIIDA really parses gives the same result", () => {
    assert.deepEqual(accepted(fixture("dotted.json")), EXAMPLE);
  });

  test("UTF-8 bytes give the same result as a string", () => {
    assert.deepEqual(accepted(new TextEncoder().encode(fixture("dotted.json"))), EXAMPLE);
    assert.deepEqual(accepted(Buffer.from(fixture("source-page-camel-case.json"))), CAMEL_EXAMPLE);
  });

  test("bytes viewed inside a larger buffer are read from the view only", () => {
    const bytes = new TextEncoder().encode(`}}${fixture("dotted.json")}{{`);
    assert.deepEqual(accepted(bytes.subarray(2, bytes.length - 2)), EXAMPLE);
    const buffer = Buffer.from(bytes);
    assert.deepEqual(accepted(buffer.subarray(2, buffer.length - 2)), EXAMPLE);
  });

  test("a leading UTF-8 byte order mark is dropped", () => {
    const bom = Uint8Array.of(0xef, 0xbb, 0xbf);
    assert.deepEqual(accepted(Buffer.concat([bom, Buffer.from(fixture("dotted.json"))])), EXAMPLE);
    assert.deepEqual(
      accepted(new Uint8Array(Buffer.concat([bom, Buffer.from(fixture("dotted.json"))]))),
      EXAMPLE,
    );
  });

  test("characters beyond ASCII are decoded as UTF-8", () => {
    const value = "Zähler € 𝄞 ünd ß";
    const payload = Buffer.from(dottedWith({ "registeredResource.mRID": { value, codingScheme: "NAT" } }));
    assert.deepEqual(accepted(payload).resource, { value, codingScheme: "NAT" });
    assert.deepEqual(accepted(new Uint8Array(payload)).resource, { value, codingScheme: "NAT" });
  });

  test("the two spellings may be mixed in one message", () => {
    const dotted = JSON.parse(fixture("dotted.json")) as Json;
    const camel = JSON.parse(fixture("source-page-camel-case.json")) as Json;
    const mixed = {
      "registeredResource.mRID": dotted["registeredResource.mRID"],
      dateAndOrTimeDateTime: camel.dateAndOrTimeDateTime,
      Quantity: dotted.Quantity,
    };
    assert.deepEqual(accepted(JSON.stringify(mixed)), EXAMPLE);
  });

  test("version, mRID and date-time are optional; AccountingPoint is accepted and ignored", () => {
    const series = accepted(
      dottedWith({
        version: undefined,
        "registeredResource.mRID": undefined,
        "dateAndOrTime.dateTime": undefined,
        AccountingPoint: [{ mRID: "x" }],
      }),
    );
    assert.deepEqual(series, { ...EXAMPLE, timestamp: undefined, resource: undefined });
  });

  test("null counts as absent for version, mRID, date-time and codingScheme", () => {
    assert.deepEqual(
      accepted(
        dottedWith({ version: null, "registeredResource.mRID": null, "dateAndOrTime.dateTime": null }),
      ),
      { ...EXAMPLE, timestamp: undefined, resource: undefined },
    );
    const series = accepted(dottedWith({ "registeredResource.mRID": { value: "m", codingScheme: null } }));
    assert.deepEqual(series.resource, { value: "m", codingScheme: undefined });
  });

  test("a numeric version is tolerated", () => {
    assert.deepEqual(accepted(dottedWith({ version: 1.0 })), EXAMPLE);
  });
});

describe("accepted quantity spellings", () => {
  const cases: ReadonlyArray<{ name: string; quantity: Json; code: number; value: number; quality: string }> =
    [
      {
        name: "type as a JSON number",
        quantity: { quantity: 1, type: 2 },
        code: 2,
        value: 1,
        quality: "AS_PROVIDED",
      },
      {
        name: "the highest type, 35",
        quantity: { quantity: 50, type: "35" },
        code: 35,
        value: 50,
        quality: "AS_PROVIDED",
      },
      {
        name: "quality as a code",
        quantity: { quantity: 1, type: "0", quality: "A04" },
        code: 0,
        value: 1,
        quality: "AS_PROVIDED",
      },
      {
        name: "another quality code",
        quantity: { quantity: 1, type: "0", quality: "A03" },
        code: 0,
        value: 1,
        quality: "ESTIMATED",
      },
      {
        name: "quality as a name",
        quantity: { quantity: 1, type: "0", quality: "TEMPORARY" },
        code: 0,
        value: 1,
        quality: "TEMPORARY",
      },
      {
        name: "quality missing",
        quantity: { quantity: 1, type: "0" },
        code: 0,
        value: 1,
        quality: "AS_PROVIDED",
      },
      {
        name: "quality null",
        quantity: { quantity: 1, type: "0", quality: null },
        code: 0,
        value: 1,
        quality: "AS_PROVIDED",
      },
      {
        name: "quantity as an exponent string",
        quantity: { quantity: "1.5e3", type: "0" },
        code: 0,
        value: 1500,
        quality: "AS_PROVIDED",
      },
      {
        name: "quantity as an integer string",
        quantity: { quantity: "25", type: "0" },
        code: 0,
        value: 25,
        quality: "AS_PROVIDED",
      },
      {
        name: "quantity as a negative decimal string",
        quantity: { quantity: "-0.132", type: "3" },
        code: 3,
        value: -0.132,
        quality: "AS_PROVIDED",
      },
      {
        name: "quantity as a string starting with a dot",
        quantity: { quantity: ".5", type: "10" },
        code: 10,
        value: 0.5,
        quality: "AS_PROVIDED",
      },
    ];
  for (const c of cases) {
    test(c.name, () => {
      const [parsed] = accepted(withQuantities(c.quantity)).quantities;
      assert.ok(parsed);
      assert.equal(parsed.type.code, c.code);
      assert.ok(Object.is(parsed.value, c.value), `value ${parsed.value}`);
      assert.equal(parsed.quality, c.quality);
    });
  }

  test("-0 written in the JSON text is stored as 0", () => {
    const [parsed] = accepted('{"Quantity":[{"quantity":-0,"type":"0"}]}').quantities;
    assert.ok(Object.is(parsed?.value, 0));
  });
});

describe("accepted date-times", () => {
  const cases: ReadonlyArray<{ name: string; text: string; iso: string }> = [
    {
      name: "nine fractional digits are truncated to milliseconds",
      text: "2025-07-01T07:43:59.073747585Z",
      iso: "2025-07-01T07:43:59.073Z",
    },
    {
      name: "truncation never rounds up into the next second",
      text: "2025-07-01T07:43:59.9999999Z",
      iso: "2025-07-01T07:43:59.999Z",
    },
    { name: "one fractional digit", text: "2025-07-01T07:43:59.1Z", iso: "2025-07-01T07:43:59.100Z" },
    { name: "no fraction", text: "2025-07-01T07:43:59Z", iso: "2025-07-01T07:43:59.000Z" },
    {
      name: "a positive offset",
      text: "2025-07-01T09:43:59.073747585+02:00",
      iso: "2025-07-01T07:43:59.073Z",
    },
    {
      name: "a negative offset with minutes",
      text: "2025-07-01T02:13:59-05:30",
      iso: "2025-07-01T07:43:59.000Z",
    },
    {
      name: "an offset crossing midnight",
      text: "2025-07-01T00:30:00+01:00",
      iso: "2025-06-30T23:30:00.000Z",
    },
    { name: "seconds left out, as Java allows", text: "2025-07-01T07:43Z", iso: "2025-07-01T07:43:00.000Z" },
    { name: "a leap day", text: "2024-02-29T12:00:00Z", iso: "2024-02-29T12:00:00.000Z" },
    {
      name: "a two-digit year is not moved into the 1900s",
      text: "0099-01-01T00:00:00Z",
      iso: "0099-01-01T00:00:00.000Z",
    },
    { name: "exactly the allowed time ahead", text: "2025-07-01T08:05:00Z", iso: "2025-07-01T08:05:00.000Z" },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const series = accepted(dottedWith({ "dateAndOrTime.dateTime": c.text }));
      assert.equal(new Date(series.timestamp ?? Number.NaN).toISOString(), c.iso);
    });
  }

  test("the camelCase name is read the same way", () => {
    const series = accepted(
      dottedWith({ "dateAndOrTime.dateTime": undefined, dateAndOrTimeDateTime: "2025-07-01T07:00:00+00:00" }),
    );
    assert.equal(series.timestamp, Date.parse("2025-07-01T07:00:00Z"));
  });
});

describe("date-times in the past", () => {
  const horizon: ParseTimeSeriesOptions = { ...OPTIONS, maxPastMs: 365 * DAY_MS, pastWarningMs: 7 * DAY_MS };
  const dottedDate = "$['dateAndOrTime.dateTime']";
  const at = (text: string) => dottedWith({ "dateAndOrTime.dateTime": text });

  test("a reading of a few hours ago is accepted without a warning", () => {
    const series = accepted(at("2025-07-01T02:00:00Z"), horizon);
    assert.deepEqual(series.warnings, []);
  });

  test("exactly the warning age gives no warning, a millisecond more gives one", () => {
    assert.deepEqual(accepted(at("2025-06-24T08:00:00Z"), horizon).warnings, []);
    const series = accepted(at("2025-06-24T07:59:59.999Z"), horizon);
    assert.equal(series.timestamp, Date.parse("2025-06-24T07:59:59.999Z"));
    assertProblems(series.warnings, [
      [dottedDate, /^"2025-06-24T07:59:59.999Z" is 7 days in the past: stored/],
    ]);
  });

  test("30 days old is stored with a warning that gives the age", () => {
    const series = accepted(at("2025-06-01T08:00:00Z"), horizon);
    assert.equal(series.timestamp, Date.parse("2025-06-01T08:00:00Z"));
    assert.deepEqual(series.warnings, [
      {
        path: dottedDate,
        reason:
          '"2025-06-01T08:00:00Z" is 30 days in the past: stored, but check the device\'s clock unless it sends old readings on purpose',
        message:
          "The timestamp is 30 days old. The values were stored; is the device's clock set, or does it send old readings on purpose?",
      },
    ]);
  });

  test("exactly the horizon is accepted, a millisecond older is refused with the horizon named", () => {
    assert.equal(accepted(at("2024-07-01T08:00:00Z"), horizon).warnings.length, 1);
    const result = parseTimeSeries(at("2024-07-01T07:59:59.999Z"), horizon);
    assert.deepEqual(result, {
      ok: false,
      problems: [
        {
          path: dottedDate,
          reason:
            '"2024-07-01T07:59:59.999Z" is more than 365 days in the past (the oldest accepted is 2024-07-01T08:00:00.000Z)',
          message:
            "The timestamp is 365 days old, older than the hub keeps data (365 days) — is the device's clock set?",
        },
      ],
      ignoredFields: [],
    });
  });

  for (const text of ["0001-01-01T00:00:00Z", "1900-01-01T00:00:00Z", "1970-01-01T00:00:00+01:00"]) {
    test(`${text} is refused`, () => {
      const result = parseTimeSeries(at(text), horizon);
      if (result.ok) assert.fail("expected a refusal");
      assertProblems(result.problems, [[dottedDate, /is more than 365 days in the past/]]);
    });
  }

  test("a horizon of 36,500 days is written with grouping", () => {
    const result = parseTimeSeries(at("0001-01-01T00:00:00Z"), { ...horizon, maxPastMs: 36_500 * DAY_MS });
    if (result.ok) assert.fail("expected a refusal");
    assertProblems(result.problems, [
      [dottedDate, /is more than 36,500 days in the past \(the oldest accepted is 1925-/],
    ]);
  });

  test("the warning uses the camelCase path when the message spells it so", () => {
    const series = accepted(
      dottedWith({ "dateAndOrTime.dateTime": undefined, dateAndOrTimeDateTime: "2025-05-01T00:00:00Z" }),
      horizon,
    );
    assertProblems(series.warnings, [["$.dateAndOrTimeDateTime", /is 61 days in the past/]]);
  });

  test("a message without a date-time gets no warning", () => {
    assert.deepEqual(accepted(dottedWith({ "dateAndOrTime.dateTime": undefined }), horizon).warnings, []);
  });
});

describe("refused messages", () => {
  const dottedDate = "$['dateAndOrTime.dateTime']";
  const dottedResource = "$['registeredResource.mRID']";
  const date = (text: unknown) => dottedWith({ "dateAndOrTime.dateTime": text });
  const resource = (value: unknown) => dottedWith({ "registeredResource.mRID": value });
  const cases: ReadonlyArray<{
    name: string;
    payload: Uint8Array | string;
    problems: Array<[string, RegExp]>;
  }> = [
    { name: "not JSON", payload: "{", problems: [["$", /^not valid JSON: /]] },
    { name: "an empty payload", payload: "", problems: [["$", /^not valid JSON: /]] },
    { name: "two JSON values", payload: "{} {}", problems: [["$", /^not valid JSON: /]] },
    {
      name: "an array at the top level",
      payload: "[]",
      problems: [["$", /^expected an object, got array$/]],
    },
    { name: "null at the top level", payload: "null", problems: [["$", /^expected an object, got null$/]] },
    {
      name: "a number at the top level",
      payload: "42",
      problems: [["$", /^expected an object, got number$/]],
    },
    {
      name: "a string at the top level",
      payload: '"x"',
      problems: [["$", /^expected an object, got string$/]],
    },
    {
      name: "invalid UTF-8 bytes",
      payload: Uint8Array.of(0x7b, 0xff, 0x7d),
      problems: [["$", /^not valid UTF-8$/]],
    },
    {
      name: "a UTF-8 sequence cut short inside a string",
      payload: Uint8Array.of(...new TextEncoder().encode('{"version":"'), 0xc3, 0x22, 0x7d),
      problems: [["$", /^not valid UTF-8$/]],
    },
    {
      name: "a UTF-8 sequence cut short at the end",
      payload: Uint8Array.of(...new TextEncoder().encode('{"version":"1"}'), 0xe2, 0x82),
      problems: [["$", /^not valid UTF-8$/]],
    },
    {
      name: "an overlong UTF-8 encoding",
      payload: Uint8Array.of(...new TextEncoder().encode('{"version":"'), 0xc0, 0xaf, 0x22, 0x7d),
      problems: [["$", /^not valid UTF-8$/]],
    },
    {
      name: "a UTF-16 surrogate encoded in UTF-8",
      payload: Uint8Array.of(...new TextEncoder().encode('{"version":"'), 0xed, 0xa0, 0x80, 0x22, 0x7d),
      problems: [["$", /^not valid UTF-8$/]],
    },
    {
      name: "a code point beyond U+10FFFF",
      payload: Uint8Array.of(...new TextEncoder().encode('{"version":"'), 0xf4, 0x90, 0x80, 0x80, 0x22, 0x7d),
      problems: [["$", /^not valid UTF-8$/]],
    },
    {
      name: "invalid UTF-8 in a Buffer",
      payload: Buffer.from([0x7b, 0x80, 0x7d]),
      problems: [["$", /^not valid UTF-8$/]],
    },
    {
      name: "two byte order marks (only the first is dropped)",
      payload: Uint8Array.of(0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x7b, 0x7d),
      problems: [["$", /^not valid JSON: /]],
    },
    {
      name: "a byte order mark in a string payload",
      payload: `\uFEFF${fixture("dotted.json")}`,
      problems: [["$", /^not valid JSON: /]],
    },
    {
      name: "empty bytes",
      payload: new Uint8Array(0),
      problems: [["$", /^not valid JSON: /]],
    },
    {
      name: "both spellings of the quantity list",
      payload: dottedWith({ quantities: [{ quantity: 1, type: "0" }] }),
      problems: [["$.quantities", /^duplicate of \$\.Quantity: /]],
    },
    {
      name: "both spellings of the mRID",
      payload: dottedWith({ registeredResourceMRID: { value: "x" } }),
      problems: [["$.registeredResourceMRID", /^duplicate of \$\['registeredResource\.mRID'\]/]],
    },
    {
      name: "both spellings of the date-time, camelCase first",
      payload: JSON.stringify({
        dateAndOrTimeDateTime: "2025-07-01T07:00:00Z",
        ...JSON.parse(fixture("dotted.json")),
      }),
      problems: [[dottedDate, /^duplicate of \$\.dateAndOrTimeDateTime/]],
    },
    {
      name: "a version that is an object",
      payload: dottedWith({ version: { v: 1 } }),
      problems: [["$.version", /got object$/]],
    },
    {
      name: "a version that is a boolean",
      payload: dottedWith({ version: true }),
      problems: [["$.version", /got boolean true$/]],
    },
    {
      name: "an mRID that is a plain string",
      payload: resource("5eef"),
      problems: [[dottedResource, /^expected an object .*got string "5eef"$/]],
    },
    { name: "an mRID that is an array", payload: resource([]), problems: [[dottedResource, /got array$/]] },
    {
      name: "an mRID without a value",
      payload: resource({ codingScheme: "NAT" }),
      problems: [[`${dottedResource}.value`, /^missing/]],
    },
    {
      name: "an mRID value that is a number",
      payload: resource({ value: 5 }),
      problems: [[`${dottedResource}.value`, /got number 5$/]],
    },
    {
      name: "an mRID codingScheme that is a number",
      payload: resource({ value: "x", codingScheme: 1 }),
      problems: [[`${dottedResource}.codingScheme`, /got number 1$/]],
    },
    {
      name: "a camelCase mRID that is a string",
      payload: dottedWith({ "registeredResource.mRID": undefined, registeredResourceMRID: "x" }),
      problems: [["$.registeredResourceMRID", /got string "x"$/]],
    },
    {
      name: "a date-time without a zone",
      payload: date("2025-09-08T06:42:08"),
      problems: [[dottedDate, /has no time zone/]],
    },
    {
      name: "a date without a time",
      payload: date("2025-09-08"),
      problems: [[dottedDate, /is a date without a time/]],
    },
    {
      name: "month 13",
      payload: date("2025-13-01T00:00:00Z"),
      problems: [[dottedDate, /there is no month 13/]],
    },
    {
      name: "February 30",
      payload: date("2024-02-30T00:00:00Z"),
      problems: [[dottedDate, /2024-02 has days 01 to 29/]],
    },
    {
      name: "February 29 in a common year",
      payload: date("2025-02-29T00:00:00Z"),
      problems: [[dottedDate, /2025-02 has days 01 to 28/]],
    },
    {
      name: "day zero",
      payload: date("2025-07-00T00:00:00Z"),
      problems: [[dottedDate, /has days 01 to 31/]],
    },
    {
      name: "hour 24",
      payload: date("2025-07-01T24:00:00Z"),
      problems: [[dottedDate, /not a real time of day/]],
    },
    {
      name: "a leap second",
      payload: date("2016-12-31T23:59:60Z"),
      problems: [[dottedDate, /not a real time of day/]],
    },
    {
      name: "an offset beyond 18 hours",
      payload: date("2025-07-01T07:00:00+19:00"),
      problems: [[dottedDate, /impossible offset/]],
    },
    {
      name: "offset minutes above 59",
      payload: date("2025-07-01T07:00:00+02:60"),
      problems: [[dottedDate, /impossible offset/]],
    },
    {
      name: "an offset without a colon",
      payload: date("2025-07-01T07:00:00+0200"),
      problems: [[dottedDate, /not an ISO-8601/]],
    },
    {
      name: "a lower-case t",
      payload: date("2025-07-01t07:00:00Z"),
      problems: [[dottedDate, /not an ISO-8601/]],
    },
    {
      name: "words instead of a date",
      payload: date("yesterday"),
      problems: [[dottedDate, /^"yesterday" is not an ISO-8601/]],
    },
    {
      name: "a date-time that is a number",
      payload: date(1751355839073),
      problems: [[dottedDate, /got number 1751355839073$/]],
    },
    {
      name: "a date-time an hour in the future",
      payload: date("2025-07-01T09:00:00Z"),
      problems: [[dottedDate, /is 3600 s in the future \(at most 300 s allowed\)$/]],
    },
    {
      name: "a camelCase date-time without a zone",
      payload: dottedWith({
        "dateAndOrTime.dateTime": undefined,
        dateAndOrTimeDateTime: "2025-07-01T07:00:00",
      }),
      problems: [["$.dateAndOrTimeDateTime", /has no time zone/]],
    },
    {
      name: "no quantity list",
      payload: dottedWith({ Quantity: undefined }),
      problems: [["$.Quantity", /^missing/]],
    },
    {
      name: "a quantity list that is an object",
      payload: dottedWith({ Quantity: {} }),
      problems: [["$.Quantity", /expected an array.*got object$/]],
    },
    {
      name: "a quantity list that is null",
      payload: dottedWith({ Quantity: null }),
      problems: [["$.Quantity", /got null$/]],
    },
    {
      name: "an empty quantity list",
      payload: withQuantities(),
      problems: [["$.Quantity", /at least one quantity/]],
    },
    {
      name: "an empty camelCase quantity list",
      payload: dottedWith({ Quantity: undefined, quantities: [] }),
      problems: [["$.quantities", /at least one quantity/]],
    },
    {
      name: "no valid quantity among several",
      payload: withQuantities({ quantity: 1, type: "99" }, { type: "0" }),
      problems: [
        ["$.Quantity[0].type", /unknown quantity type "99"/],
        ["$.Quantity[1].quantity", /^missing/],
        ["$.Quantity", /^no valid quantity remained: all 2 were rejected$/],
      ],
    },
    {
      name: "no valid camelCase quantity",
      payload: dottedWith({ Quantity: undefined, quantities: [{ quantity: 1, type: 36 }] }),
      problems: [
        ["$.quantities[0].type", /unknown quantity type 36/],
        ["$.quantities", /no valid quantity remained/],
      ],
    },
    {
      name: "a bad mRID also lists the bad quantities",
      payload: dottedWith({
        "registeredResource.mRID": "x",
        Quantity: [{ quantity: 1, type: "0" }, { quantity: 2 }],
      }),
      problems: [
        [dottedResource, /expected an object/],
        ["$.Quantity[1].type", /^missing/],
      ],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assertProblems(refused(c.payload).problems, c.problems);
    });
  }

  test("every problem is listed: duplicates, version, mRID, date-time, quantities, then the list", () => {
    const payload = JSON.stringify({
      Quantity: [{ quantity: 1, type: "99" }, 7],
      version: true,
      "registeredResource.mRID": { value: 1, codingScheme: 2 },
      quantities: [],
      "dateAndOrTime.dateTime": "2025-02-29T00:00:00Z",
      dateAndOrTimeDateTime: "x",
    });
    assert.deepEqual(refused(payload).problems, [
      {
        path: "$.quantities",
        reason: "duplicate of $.Quantity: send each field in one spelling only",
        message: "The quantity list is sent twice (as Quantity and quantities); send it once.",
      },
      {
        path: "$.dateAndOrTimeDateTime",
        reason: "duplicate of $['dateAndOrTime.dateTime']: send each field in one spelling only",
        message:
          "The timestamp is sent twice (as dateAndOrTime.dateTime and dateAndOrTimeDateTime); send it once.",
      },
      {
        path: "$.version",
        reason: 'expected a version string such as "1.0", got boolean true',
        message: 'The version must be text such as "1.0".',
      },
      {
        path: "$['registeredResource.mRID'].value",
        reason: "expected a string, got number 1",
        message: "The meter id's value (registeredResource.mRID) must be text.",
      },
      {
        path: "$['registeredResource.mRID'].codingScheme",
        reason: 'expected a string such as "NAT", got number 2',
        message: 'The meter id\'s coding scheme must be text such as "NAT".',
      },
      {
        path: "$['dateAndOrTime.dateTime']",
        reason: '"2025-02-29T00:00:00Z" is not a real date: 2025-02 has days 01 to 28',
        message: 'The timestamp is not a date and time with a zone such as "2025-06-24T08:00:00Z".',
      },
      {
        path: "$.Quantity[0].type",
        reason: 'unknown quantity type "99": expected "0".."35" (CIM v1.12 QuantityTypeKind)',
        message: 'Quantity 1 has an unknown type "99"; the types are "0" to "35".',
      },
      {
        path: "$.Quantity[1]",
        reason: "expected a quantity object, got number 7",
        message: "Quantity 2 is not an object with quantity and type.",
      },
      {
        path: "$.Quantity",
        reason: "no valid quantity remained: all 2 were rejected",
        message: "None of the 2 quantities could be used.",
      },
    ]);
  });

  test("a refused message's list problem comes after the other problems", () => {
    assert.deepEqual(refused(dottedWith({ version: [], Quantity: undefined })).problems, [
      {
        path: "$.version",
        reason: 'expected a version string such as "1.0", got array',
        message: 'The version must be text such as "1.0".',
      },
      {
        path: "$.Quantity",
        reason: "missing: a TimeSeries needs a Quantity (or quantities) array",
        message: "The message has no quantity list (Quantity).",
      },
    ]);
  });

  test("a refused message still lists its ignored fields", () => {
    assert.deepEqual(refused(dottedWith({ foo: 1, Quantity: [] })).ignoredFields, ["$.foo"]);
  });
});

describe("one bad quantity among good ones", () => {
  const good = { quantity: 25, type: "0" };
  const cases: ReadonlyArray<{ name: string; bad: unknown; problems: Array<[string, RegExp]> }> = [
    {
      name: "quantity null",
      bad: { quantity: null, type: "2" },
      problems: [["$.Quantity[1].quantity", /got null$/]],
    },
    { name: "quantity missing", bad: { type: "2" }, problems: [["$.Quantity[1].quantity", /^missing/]] },
    {
      name: "quantity a boolean",
      bad: { quantity: true, type: "2" },
      problems: [["$.Quantity[1].quantity", /got boolean true$/]],
    },
    {
      name: "quantity an object",
      bad: { quantity: { v: 1 }, type: "2" },
      problems: [["$.Quantity[1].quantity", /got object$/]],
    },
    {
      name: 'quantity "NaN"',
      bad: { quantity: "NaN", type: "2" },
      problems: [["$.Quantity[1].quantity", /got string "NaN"$/]],
    },
    {
      name: 'quantity "Infinity"',
      bad: { quantity: "Infinity", type: "2" },
      problems: [["$.Quantity[1].quantity", /got string/]],
    },
    {
      name: "quantity an empty string",
      bad: { quantity: "", type: "2" },
      problems: [["$.Quantity[1].quantity", /got string ""$/]],
    },
    {
      name: "quantity in hexadecimal",
      bad: { quantity: "0x10", type: "2" },
      problems: [["$.Quantity[1].quantity", /got string/]],
    },
    {
      name: "quantity with a decimal comma",
      bad: { quantity: "1,5", type: "2" },
      problems: [["$.Quantity[1].quantity", /got string/]],
    },
    {
      name: "quantity with spaces",
      bad: { quantity: " 25", type: "2" },
      problems: [["$.Quantity[1].quantity", /got string/]],
    },
    {
      name: 'quantity "1e400" overflows',
      bad: { quantity: "1e400", type: "2" },
      problems: [["$.Quantity[1].quantity", /too large/]],
    },
    {
      name: 'type "99"',
      bad: { quantity: 1, type: "99" },
      problems: [["$.Quantity[1].type", /^unknown quantity type "99": expected "0".."35"/]],
    },
    {
      name: 'type "36"',
      bad: { quantity: 1, type: "36" },
      problems: [["$.Quantity[1].type", /unknown quantity type "36"/]],
    },
    {
      name: 'type "02" with a leading zero',
      bad: { quantity: 1, type: "02" },
      problems: [["$.Quantity[1].type", /"02"/]],
    },
    {
      name: 'type " 2" with a space',
      bad: { quantity: 1, type: " 2" },
      problems: [["$.Quantity[1].type", /unknown quantity type/]],
    },
    {
      name: 'type "-1"',
      bad: { quantity: 1, type: "-1" },
      problems: [["$.Quantity[1].type", /unknown quantity type "-1"/]],
    },
    {
      name: "type 2.5",
      bad: { quantity: 1, type: 2.5 },
      problems: [["$.Quantity[1].type", /unknown quantity type 2.5/]],
    },
    {
      name: "type -1",
      bad: { quantity: 1, type: -1 },
      problems: [["$.Quantity[1].type", /unknown quantity type -1/]],
    },
    {
      name: "type a name",
      bad: { quantity: 1, type: "FREQUENCY_HZ" },
      problems: [["$.Quantity[1].type", /unknown quantity type/]],
    },
    {
      name: "type null",
      bad: { quantity: 1, type: null },
      problems: [["$.Quantity[1].type", /unknown quantity type null/]],
    },
    {
      name: "type true",
      bad: { quantity: 1, type: true },
      problems: [["$.Quantity[1].type", /boolean true/]],
    },
    { name: "type missing", bad: { quantity: 1 }, problems: [["$.Quantity[1].type", /^missing/]] },
    {
      name: "quality in lower case",
      bad: { quantity: 1, type: "2", quality: "as_provided" },
      problems: [["$.Quantity[1].quality", /^unknown quality "as_provided"/]],
    },
    {
      name: "quality code in lower case",
      bad: { quantity: 1, type: "2", quality: "a04" },
      problems: [["$.Quantity[1].quality", /unknown quality "a04"/]],
    },
    {
      name: "an unknown quality",
      bad: { quantity: 1, type: "2", quality: "GOOD" },
      problems: [["$.Quantity[1].quality", /unknown quality "GOOD"/]],
    },
    {
      name: "quality a number",
      bad: { quantity: 1, type: "2", quality: 4 },
      problems: [["$.Quantity[1].quality", /got number 4|number 4/]],
    },
    {
      name: "an element that is a number",
      bad: 5,
      problems: [["$.Quantity[1]", /^expected a quantity object, got number 5$/]],
    },
    { name: "an element that is null", bad: null, problems: [["$.Quantity[1]", /got null$/]] },
    { name: "an element that is an array", bad: [], problems: [["$.Quantity[1]", /got array$/]] },
    {
      name: "every field wrong at once",
      bad: { quantity: null, type: "99", quality: "X" },
      problems: [
        ["$.Quantity[1].quantity", /got null/],
        ["$.Quantity[1].type", /"99"/],
        ["$.Quantity[1].quality", /"X"/],
      ],
    },
    {
      name: "the same type twice",
      bad: { quantity: 26, type: 0 },
      problems: [
        [
          "$.Quantity[1].type",
          /^duplicate quantity type 0 \(TOTAL_ACTIVE_ENERGY_CONSUMED_KWH\): the one at \$\.Quantity\[0\] is kept$/,
        ],
      ],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const series = accepted(withQuantities(good, c.bad));
      assert.deepEqual(
        series.quantities.map((q) => [q.type.code, q.value]),
        [[0, 25]],
      );
      assertProblems(series.problems, c.problems);
    });
  }

  test("quantity 1e400 in the JSON text (Infinity after parsing) is a problem", () => {
    const series = accepted('{"Quantity":[{"quantity":1,"type":"0"},{"quantity":1e400,"type":"2"}]}');
    assertProblems(series.problems, [["$.Quantity[1].quantity", /^Infinity is too large/]]);
  });

  test("problems in a camelCase list use its path, for duplicates and non-objects too", () => {
    const series = accepted(
      dottedWith({
        Quantity: undefined,
        quantities: [{ quantity: 1, type: "0" }, "x", { quantity: 2, type: 0, quality: "A04" }],
      }),
    );
    assert.deepEqual(series.problems, [
      {
        path: "$.quantities[1]",
        reason: 'expected a quantity object, got string "x"',
        message: "Quantity 2 is not an object with quantity and type.",
      },
      {
        path: "$.quantities[2].type",
        reason:
          "duplicate quantity type 0 (TOTAL_ACTIVE_ENERGY_CONSUMED_KWH): the one at $.quantities[0] is kept",
        message: "Quantity 3 repeats type 0, Total active energy consumed; quantity 1 was kept.",
      },
    ]);
  });

  test("a duplicate is named for the data source's role when the parser is told it", () => {
    const message = withQuantities({ quantity: 1, type: "2" }, { quantity: 2, type: "2" });
    const named = (options: ParseTimeSeriesOptions) =>
      accepted(message, options).problems.map((p) => p.message);
    assert.deepEqual(named({ ...OPTIONS, role: "GRID_METER" }), [
      "Quantity 2 repeats type 2, Grid import; quantity 1 was kept.",
    ]);
    assert.deepEqual(named(OPTIONS), [
      "Quantity 2 repeats type 2, Instantaneous active power consumption; quantity 1 was kept.",
    ]);
  });

  test("a duplicate names the first valid one of its type, after an invalid one", () => {
    const series = accepted(
      withQuantities(
        { quantity: 1, type: "4", quality: "X" },
        { quantity: 1, type: "0" },
        { quantity: 2, type: "4" },
        { quantity: 3, type: "4" },
        { quantity: 4, type: 0 },
      ),
    );
    assert.deepEqual(
      series.problems.map((p) => [p.path, p.reason.replace(/^.*the one at /, "")]),
      [
        [
          "$.Quantity[0].quality",
          'unknown quality "X": expected a name such as AS_PROVIDED or a code such as A04',
        ],
        ["$.Quantity[3].type", "$.Quantity[2] is kept"],
        ["$.Quantity[4].type", "$.Quantity[1] is kept"],
      ],
    );
  });

  test("the bad one is reported with the camelCase path when the list is spelled so", () => {
    const series = accepted(fixture("source-page-camel-case.json").replace('"type": "2"', '"type": "2.0"'));
    assertProblems(series.problems, [["$.quantities[1].type", /unknown quantity type "2.0"/]]);
  });

  test("a type whose first use was invalid is taken from its next valid use", () => {
    const series = accepted(
      withQuantities({ quantity: 1, type: "2", quality: "BAD" }, { quantity: 2, type: "2" }),
    );
    assert.deepEqual(
      series.quantities.map((q) => [q.type.code, q.value]),
      [[2, 2]],
    );
    assertProblems(series.problems, [["$.Quantity[0].quality", /unknown quality/]]);
  });

  test("the good ones keep message order", () => {
    const series = accepted(
      withQuantities({ quantity: 3, type: "35" }, { bad: 1 }, { quantity: 1, type: "4" }),
    );
    assert.deepEqual(
      series.quantities.map((q) => q.type.name),
      ["FREQUENCY_HZ", "INSTANTANEOUS_VOLTAGE_V_IN_PHASE_L1"],
    );
  });
});

describe("unknown fields", () => {
  test("are listed as ignored, at every level, without being problems", () => {
    const series = accepted(
      dottedWith({
        foo: 1,
        "registeredResource.mRID": { value: "m", codingScheme: "NAT", extra: true },
        Quantity: [{ quantity: 1, type: "0", unit: "kWh", quality: "A04" }],
      }),
    );
    assert.deepEqual(series.ignoredFields, [
      "$.foo",
      "$['registeredResource.mRID'].extra",
      "$.Quantity[0].unit",
    ]);
    assert.deepEqual(series.problems, []);
  });

  test("names needing brackets are quoted below the top level too", () => {
    const series = accepted(
      dottedWith({
        "registeredResource.mRID": { value: "m", "it's": 1, "a b": 2 },
        Quantity: [{ quantity: 1, type: "0", "x.y": 3, $ok: 4, "1x": 5 }],
      }),
    );
    assert.deepEqual(series.ignoredFields, [
      "$['registeredResource.mRID']['it\\'s']",
      "$['registeredResource.mRID']['a b']",
      "$.Quantity[0]['x.y']",
      "$.Quantity[0].$ok",
      "$.Quantity[0]['1x']",
    ]);
  });

  test("ignored fields are listed in message order across levels", () => {
    const series = accepted(
      JSON.stringify({
        z: 1,
        Quantity: [
          { u: 1, quantity: 1, type: "0" },
          { quantity: 2, type: "1", v: 2 },
        ],
        "registeredResource.mRID": { w: 1, value: "m" },
        a: 2,
      }),
    );
    assert.deepEqual(series.ignoredFields, [
      "$.z",
      "$.a",
      "$['registeredResource.mRID'].w",
      "$.Quantity[0].u",
      "$.Quantity[1].v",
    ]);
  });

  test("AccountingPoint is known, but its camelCase twin is not", () => {
    const series = accepted(dottedWith({ AccountingPoint: [], accountingPoint: [] }));
    assert.deepEqual(series.ignoredFields, ["$.accountingPoint"]);
  });

  const names: ReadonlyArray<{ name: string; key: string; path: string }> = [
    { name: "a plain name uses dot notation", key: "deviceName", path: "$.deviceName" },
    { name: "a name with a dot uses brackets", key: "a.b", path: "$['a.b']" },
    { name: "a name with a space uses brackets", key: "a b", path: "$['a b']" },
    { name: "a quote in a name is escaped", key: "it's", path: "$['it\\'s']" },
    { name: "a backslash in a name is escaped", key: "a\\b", path: "$['a\\\\b']" },
    { name: "a newline in a name is escaped", key: "a\nb", path: "$['a\\u000ab']" },
    { name: "an empty name uses brackets", key: "", path: "$['']" },
    { name: "a name starting with a digit uses brackets", key: "1x", path: "$['1x']" },
  ];
  for (const c of names) {
    test(c.name, () => {
      assert.deepEqual(accepted(dottedWith({ [c.key]: 0 })).ignoredFields, [c.path]);
    });
  }
});

describe("hostile input", () => {
  test("__proto__ and constructor keys are ignored and pollute nothing", () => {
    const series = accepted(fixture("proto-keys.json"));
    assert.deepEqual(series.ignoredFields, ["$.__proto__", "$.constructor", "$.Quantity[0].__proto__"]);
    assert.deepEqual(
      series.quantities.map((q) => [q.type.code, q.value]),
      [[35, 1]],
    );
    assert.equal((Object.prototype as Json).polluted, undefined);
    assert.equal(({} as Json).polluted, undefined);
  });

  test("keys named like Object.prototype members are not mistaken for fields", () => {
    const result = parseTimeSeries(
      '{"toString":1,"hasOwnProperty":2,"Quantity":[{"quantity":1,"type":"0","valueOf":3}]}',
      OPTIONS,
    );
    assert.ok(result.ok);
    assert.deepEqual(result.series.ignoredFields, [
      "$.toString",
      "$.hasOwnProperty",
      "$.Quantity[0].valueOf",
    ]);
  });

  test("a quality named like an Object.prototype member is unknown", () => {
    const series = accepted(
      withQuantities({ quantity: 1, type: "0" }, { quantity: 1, type: "1", quality: "__proto__" }),
    );
    assertProblems(series.problems, [["$.Quantity[1].quality", /unknown quality "__proto__"/]]);
  });

  test("deeply nested JSON is refused or ignored, never thrown", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    assertProblems(refused(deep).problems, [["$", /expected an object, got array/]]);
    const series = accepted(`{"junk":${deep},"Quantity":[{"quantity":1,"type":"0"}]}`);
    assert.deepEqual(series.ignoredFields, ["$.junk"]);
  });

  test("a deeply nested quantity value is described by its type only", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    assertProblems(refused(`{"Quantity":[{"quantity":${deep},"type":"0"}]}`).problems, [
      ["$.Quantity[0].quantity", /^expected a number or a decimal string such as "1\.5e3", got array$/],
      ["$.Quantity", /no valid quantity remained/],
    ]);
  });

  test("thousands of bad quantities are each reported", () => {
    const series = JSON.stringify({ Quantity: Array.from({ length: 5000 }, () => ({ type: "0" })) });
    assert.equal(refused(series).problems.length, 5001);
  });

  test("long strings are cut short in reasons", () => {
    const series = accepted(
      withQuantities({ quantity: 1, type: "0" }, { quantity: 1, type: "x".repeat(10_000) }),
    );
    assertProblems(series.problems, [["$.Quantity[1].type", /^unknown quantity type "x{40}…": expected/]]);
    assert.ok((series.problems[0]?.reason.length ?? Number.POSITIVE_INFINITY) < 200);
  });

  test("a payload that is neither bytes nor a string is refused", () => {
    assertProblems(refused(42 as unknown as string).problems, [
      ["$", /^expected bytes or a string, got number$/],
    ]);
  });

  test("randomly corrupted payloads never throw", () => {
    const original = new TextEncoder().encode(fixture("dotted.json"));
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let round = 0; round < 3000; round++) {
      const bytes = original.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const result = parseTimeSeries(bytes, OPTIONS);
      assert.equal(typeof result.ok, "boolean");
    }
  });
});
