import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LocalTimes, utcText } from "./local-time.ts";

const at = (iso: string) => Date.parse(iso);

describe("local times with their UTC offset", () => {
  // [what, zone, instant (UTC), local time with offset]
  const cases: ReadonlyArray<readonly [string, string, string, string]> = [
    ["Vienna in winter is UTC+1", "Europe/Vienna", "2026-01-15T12:00:00Z", "2026-01-15T13:00:00+01:00"],
    ["Vienna in summer is UTC+2", "Europe/Vienna", "2026-07-01T10:00:00Z", "2026-07-01T12:00:00+02:00"],
    [
      "spring forward: the last second of CET",
      "Europe/Vienna",
      "2026-03-29T00:59:59Z",
      "2026-03-29T01:59:59+01:00",
    ],
    [
      "spring forward: 02:00 never happens, 03:00 CEST follows",
      "Europe/Vienna",
      "2026-03-29T01:00:00Z",
      "2026-03-29T03:00:00+02:00",
    ],
    [
      "spring forward: milliseconds are kept when there are some",
      "Europe/Vienna",
      "2026-03-29T00:59:59.999Z",
      "2026-03-29T01:59:59.999+01:00",
    ],
    [
      "fall back: the first 02:30 is summer time",
      "Europe/Vienna",
      "2026-10-25T00:30:00Z",
      "2026-10-25T02:30:00+02:00",
    ],
    [
      "fall back: the second 02:30 is winter time",
      "Europe/Vienna",
      "2026-10-25T01:30:00Z",
      "2026-10-25T02:30:00+01:00",
    ],
    [
      "fall back: the last millisecond of CEST",
      "Europe/Vienna",
      "2026-10-25T00:59:59.999Z",
      "2026-10-25T02:59:59.999+02:00",
    ],
    [
      "fall back: CET begins at 02:00 again",
      "Europe/Vienna",
      "2026-10-25T01:00:00Z",
      "2026-10-25T02:00:00+01:00",
    ],
    [
      "local midnight is on the local date",
      "Europe/Vienna",
      "2026-03-28T23:00:00Z",
      "2026-03-29T00:00:00+01:00",
    ],
    [
      "the local new year begins before UTC's",
      "Europe/Vienna",
      "2025-12-31T23:30:00Z",
      "2026-01-01T00:30:00+01:00",
    ],
    [
      "before 1970 (negative epoch milliseconds)",
      "Europe/Vienna",
      "1969-12-31T23:59:59.500Z",
      "1970-01-01T00:59:59.500+01:00",
    ],
    [
      "Vienna's local mean time before 1893 has seconds in its offset",
      "Europe/Vienna",
      "1850-01-01T00:00:00Z",
      "1850-01-01T01:05:21+01:05:21",
    ],
    [
      "New York springs forward at 02:00 local",
      "America/New_York",
      "2026-03-08T07:00:00Z",
      "2026-03-08T03:00:00-04:00",
    ],
    ["New York the second before", "America/New_York", "2026-03-08T06:59:59Z", "2026-03-08T01:59:59-05:00"],
    [
      "India is half an hour off the hour",
      "Asia/Kolkata",
      "2026-03-29T01:00:00Z",
      "2026-03-29T06:30:00+05:30",
    ],
    [
      "Lord Howe Island falls back by half an hour",
      "Australia/Lord_Howe",
      "2026-04-04T15:00:00Z",
      "2026-04-05T01:30:00+10:30",
    ],
    [
      "Lord Howe Island the second before",
      "Australia/Lord_Howe",
      "2026-04-04T14:59:59Z",
      "2026-04-05T01:59:59+11:00",
    ],
    [
      "Nepal's change in 1986 fell in the middle of a UTC hour (before)",
      "Asia/Kathmandu",
      "1985-12-31T18:29:59Z",
      "1985-12-31T23:59:59+05:30",
    ],
    [
      "Nepal's change in 1986 fell in the middle of a UTC hour (after)",
      "Asia/Kathmandu",
      "1985-12-31T18:30:00Z",
      "1986-01-01T00:15:00+05:45",
    ],
    ["UTC itself has offset +00:00", "UTC", "2026-03-29T01:00:00Z", "2026-03-29T01:00:00+00:00"],
  ];
  for (const [what, zone, instant, expected] of cases) {
    it(`${what}: ${instant} in ${zone} → ${expected}`, () => {
      assert.equal(new LocalTimes(zone).withOffset(at(instant)), expected);
    });
  }

  it("one instance gives the same answers in any order (its offset cache never leaks across hours)", () => {
    const vienna = cases.filter(([, zone]) => zone === "Europe/Vienna");
    const times = new LocalTimes("Europe/Vienna");
    for (const [, , instant, expected] of [...vienna, ...vienna.toReversed(), ...vienna]) {
      assert.equal(times.withOffset(at(instant)), expected, instant);
    }
  });

  it("a second of every minute across both Vienna changes of 2026 reads back as the same instant", () => {
    const times = new LocalTimes("Europe/Vienna");
    for (const start of [at("2026-03-28T22:00:00Z"), at("2026-10-24T22:00:00Z")]) {
      for (let ms = start; ms < start + 5 * 3_600_000; ms += 60_001) {
        assert.equal(Date.parse(times.withOffset(ms)), ms, new Date(ms).toISOString());
      }
    }
  });

  it("refuses a name that is not an IANA zone", () => {
    assert.throws(() => new LocalTimes("Europe/Atlantis"), /Europe\/Atlantis is not an IANA time zone/);
  });
});

describe("UTC times", () => {
  const cases: ReadonlyArray<readonly [string, number, string]> = [
    ["a whole second has no fraction", at("2026-03-29T01:00:00Z"), "2026-03-29T01:00:00Z"],
    ["milliseconds are kept when there are some", at("2026-03-29T01:00:00.250Z"), "2026-03-29T01:00:00.250Z"],
    ["the epoch", 0, "1970-01-01T00:00:00Z"],
    ["before the epoch", -1, "1969-12-31T23:59:59.999Z"],
  ];
  for (const [what, ms, expected] of cases) {
    it(`${what}: ${expected}`, () => assert.equal(utcText(ms), expected));
  }
});

describe("local calendar days", () => {
  const vienna = new LocalTimes("Europe/Vienna");
  // [what, zone, date, later days, start (UTC)]
  const starts: ReadonlyArray<readonly [string, LocalTimes, string, number, string | undefined]> = [
    ["an ordinary day begins at local midnight", vienna, "2026-03-01", 0, "2026-02-28T23:00:00.000Z"],
    ["the spring-forward day begins in winter time", vienna, "2026-03-29", 0, "2026-03-28T23:00:00.000Z"],
    ["… and has 23 hours", vienna, "2026-03-29", 1, "2026-03-29T22:00:00.000Z"],
    ["the fall-back day begins in summer time", vienna, "2026-10-25", 0, "2026-10-24T22:00:00.000Z"],
    ["… and has 25 hours", vienna, "2026-10-25", 1, "2026-10-25T23:00:00.000Z"],
    ["a month later", vienna, "2026-03-01", 31, "2026-03-31T22:00:00.000Z"],
    [
      "a day whose midnight was skipped begins at 01:00",
      new LocalTimes("America/Sao_Paulo"),
      "2018-11-04",
      0,
      "2018-11-04T03:00:00.000Z",
    ],
    ["a date that does not exist has no start", vienna, "2026-02-30", 0, undefined],
  ];
  for (const [what, times, date, later, expected] of starts) {
    it(`${what}: ${date} + ${later} d in ${times.zone}`, () => {
      const start = times.startOfDay(date, later);
      assert.equal(start === undefined ? undefined : new Date(start).toISOString(), expected);
    });
  }

  it("knows the local date, minute and whether an instant starts a day", () => {
    assert.equal(vienna.date(at("2026-03-28T23:30:00Z")), "2026-03-29");
    assert.equal(vienna.minuteStamp(at("2026-03-29T06:15:59Z")), "2026-03-29T0815");
    assert.equal(vienna.isStartOfDay(at("2026-03-28T23:00:00Z")), true);
    assert.equal(vienna.isStartOfDay(at("2026-03-29T00:00:00Z")), false, "UTC midnight is 01:00 in Vienna");
    assert.equal(vienna.isStartOfDay(at("2026-03-28T23:00:00.001Z")), false);
  });
});
