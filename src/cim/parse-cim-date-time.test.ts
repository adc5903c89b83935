import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseCimDateTime } from "./parse-cim-date-time.ts";

function epochOf(text: string): number {
  const result = parseCimDateTime(text);
  if (!result.ok) assert.fail(`expected ${text} to be accepted, got ${result.reason}`);
  return result.epochMs;
}

function reasonFor(text: string): string {
  const result = parseCimDateTime(text);
  if (result.ok) assert.fail(`expected ${text} to be refused, got ${result.epochMs}`);
  return result.reason;
}

/** The instant by Date's own proleptic Gregorian calendar, without Date.UTC's mapping of years 0..99. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

describe("accepted date-times, to the millisecond", () => {
  const cases: ReadonlyArray<readonly [text: string, epochMs: number]> = [
    ["2025-07-01T07:43:59Z", Date.parse("2025-07-01T07:43:59.000Z")],
    ["2025-07-01T07:43:59.07Z", Date.parse("2025-07-01T07:43:59.070Z")],
    ["2025-07-01T07:43:59.0737Z", Date.parse("2025-07-01T07:43:59.073Z")],
    ["2025-07-01T07:43:59.073747585Z", Date.parse("2025-07-01T07:43:59.073Z")],
    ["2025-12-31T23:59:59.9999999999999999999999Z", Date.parse("2025-12-31T23:59:59.999Z")],
    ["1969-12-31T23:59:59.999Z", -1],
    ["1970-01-01T00:00:00Z", 0],
    ["0000-01-01T00:00:00Z", utc(0, 1, 1)],
    ["0004-02-29T12:00:00Z", utc(4, 2, 29, 12)],
    ["0099-12-31T23:59:59.999Z", utc(99, 12, 31, 23, 59, 59, 999)],
    ["0100-01-01T00:00:00Z", utc(100, 1, 1)],
    ["2000-02-29T00:00:00Z", Date.parse("2000-02-29T00:00:00Z")],
    ["9999-12-31T23:59:59.999999Z", Date.parse("9999-12-31T23:59:59.999Z")],
    ["2025-07-01T09:43:59.5+02:00", Date.parse("2025-07-01T07:43:59.500Z")],
    ["2025-07-01T07:43+00:00", Date.parse("2025-07-01T07:43:00Z")],
    ["0050-03-01T00:30:00+01:00", utc(50, 2, 28, 23, 30)],
  ];
  for (const [text, epochMs] of cases) {
    test(text, () => {
      assert.equal(epochOf(text), epochMs);
    });
  }
});

describe("refused date-times, with the exact reason", () => {
  const cases: ReadonlyArray<readonly [text: string, reason: string]> = [
    ["2025-13-01T00:00:00Z", '"2025-13-01T00:00:00Z" is not a real date: there is no month 13'],
    ["2025-00-10T00:00:00.5Z", '"2025-00-10T00:00:00.5Z" is not a real date: there is no month 0'],
    ["2024-02-30T00:00:00Z", '"2024-02-30T00:00:00Z" is not a real date: 2024-02 has days 01 to 29'],
    ["1900-02-29T00:00:00Z", '"1900-02-29T00:00:00Z" is not a real date: 1900-02 has days 01 to 28'],
    ["0100-02-29T00:00:00Z", '"0100-02-29T00:00:00Z" is not a real date: 0100-02 has days 01 to 28'],
    ["2025-04-31T00:00:00.1Z", '"2025-04-31T00:00:00.1Z" is not a real date: 2025-04 has days 01 to 30'],
    ["2025-07-00T00:00:00Z", '"2025-07-00T00:00:00Z" is not a real date: 2025-07 has days 01 to 31'],
    ["2025-07-01T24:00:00Z", '"2025-07-01T24:00:00Z" is not a real time of day'],
    ["2025-07-01T23:60:00Z", '"2025-07-01T23:60:00Z" is not a real time of day'],
    ["2016-12-31T23:59:60.000Z", '"2016-12-31T23:59:60.000Z" is not a real time of day'],
    ["2025-07-01T07:00:00+19:00", '"2025-07-01T07:00:00+19:00" has an impossible offset (at most ±18:00)'],
    [
      "2025-07-01T07:43:59.123",
      '"2025-07-01T07:43:59.123" has no time zone (add Z or an offset such as +02:00)',
    ],
    ["2025-07-01", '"2025-07-01" is a date without a time (expected e.g. 2025-07-01T07:43:59Z)'],
    [
      "2025-07-01T07:43:59.Z",
      '"2025-07-01T07:43:59.Z" is not an ISO-8601 date-time with a zone (expected e.g. 2025-07-01T07:43:59Z)',
    ],
    [
      "2025-07-01T07:43:59z",
      '"2025-07-01T07:43:59z" is not an ISO-8601 date-time with a zone (expected e.g. 2025-07-01T07:43:59Z)',
    ],
    [
      "2025-07-01T07:43:590Z",
      '"2025-07-01T07:43:590Z" is not an ISO-8601 date-time with a zone (expected e.g. 2025-07-01T07:43:59Z)',
    ],
    [
      "2025-07-01T07:43:59Z\n",
      '"2025-07-01T07:43:59Z\\n" is not an ISO-8601 date-time with a zone (expected e.g. 2025-07-01T07:43:59Z)',
    ],
    [
      "2025-07-01 07:43:59Z",
      '"2025-07-01 07:43:59Z" is not an ISO-8601 date-time with a zone (expected e.g. 2025-07-01T07:43:59Z)',
    ],
    [
      "+2025-07-01T07:43:59Z",
      '"+2025-07-01T07:43:59Z" is not an ISO-8601 date-time with a zone (expected e.g. 2025-07-01T07:43:59Z)',
    ],
    [
      "٢٠٢٥-07-01T07:43:59Z",
      '"٢٠٢٥-07-01T07:43:59Z" is not an ISO-8601 date-time with a zone (expected e.g. 2025-07-01T07:43:59Z)',
    ],
    [
      "2025-13-01T07:43:59.123456789012345678901234567890Z",
      '"2025-13-01T07:43:59.12345678901234567890…" is not a real date: there is no month 13',
    ],
  ];
  for (const [text, reason] of cases) {
    test(JSON.stringify(text), () => {
      assert.equal(reasonFor(text), reason);
    });
  }
});

test("every day of the calendar agrees with Date's, leap years and years 0..99 included", () => {
  const years = [0, 1, 4, 99, 100, 400, 1600, 1900, 1970, 2000, 2023, 2024, 2100, 9999];
  const times: ReadonlyArray<
    readonly [suffix: string, hour: number, minute: number, second: number, ms: number]
  > = [
    ["T00:00:00Z", 0, 0, 0, 0],
    ["T23:59:59.9999Z", 23, 59, 59, 999],
    ["T12:34:56.78Z", 12, 34, 56, 780],
  ];
  for (const year of years) {
    for (let month = 0; month <= 13; month++) {
      for (let day = 0; day <= 32; day++) {
        for (const [suffix, hour, minute, second, ms] of times) {
          const pad = (n: number, width: number) => String(n).padStart(width, "0");
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${suffix}`;
          const expected = utc(year, month, day, hour, minute, second, ms);
          // Real exactly when Date does not roll the day over into another month.
          const real = month >= 1 && month <= 12 && day >= 1 && new Date(expected).getUTCDate() === day;
          const result = parseCimDateTime(text);
          assert.deepEqual(result.ok ? result.epochMs : undefined, real ? expected : undefined, text);
        }
      }
    }
  }
});
