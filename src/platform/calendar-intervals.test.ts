import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DateTime } from "luxon";
import {
  type CalendarUnit,
  calendarEdges,
  canonicalTimeZone,
  isoWithOffset,
  parseLocalInstant,
} from "./calendar-intervals.ts";

const VIENNA = "Europe/Vienna";
const HOUR = 3_600_000;

/** The intervals as [local start, hours long], which is how a person checks a calendar. */
function intervals(from: string, to: string, unit: CalendarUnit, zone: string, max = 10_000) {
  const edges = calendarEdges(
    parseLocalInstant(from, zone) ?? NaN,
    parseLocalInstant(to, zone) ?? NaN,
    unit,
    zone,
    max,
  );
  if ("problem" in edges) return edges;
  return edges.edges
    .slice(0, -1)
    .map((edge, k) => [
      isoWithOffset(edge, edges.offsets[k] ?? NaN),
      ((edges.edges[k + 1] ?? 0) - edge) / HOUR,
    ]);
}

describe("calendar intervals in a time zone", () => {
  const cases: ReadonlyArray<{
    name: string;
    from: string;
    to: string;
    unit: CalendarUnit;
    zone: string;
    expected: unknown;
  }> = [
    {
      name: "ordinary days in Vienna are 24 hours from local midnight",
      from: "2026-03-26",
      to: "2026-03-28",
      unit: "day",
      zone: VIENNA,
      expected: [
        ["2026-03-26T00:00:00+01:00", 24],
        ["2026-03-27T00:00:00+01:00", 24],
      ],
    },
    {
      name: "the spring-forward day has 23 hours and the next day starts at +02:00",
      from: "2026-03-29",
      to: "2026-03-31",
      unit: "day",
      zone: VIENNA,
      expected: [
        ["2026-03-29T00:00:00+01:00", 23],
        ["2026-03-30T00:00:00+02:00", 24],
      ],
    },
    {
      name: "the fall-back day has 25 hours",
      from: "2026-10-25",
      to: "2026-10-26",
      unit: "day",
      zone: VIENNA,
      expected: [["2026-10-25T00:00:00+02:00", 25]],
    },
    {
      name: "local hours on the fall-back night: 02:00 comes twice, once at +02:00 and once at +01:00",
      from: "2026-10-25T01:00:00+02:00",
      to: "2026-10-25T03:00:00+01:00",
      unit: "hour",
      zone: VIENNA,
      expected: [
        ["2026-10-25T01:00:00+02:00", 1],
        ["2026-10-25T02:00:00+02:00", 1],
        ["2026-10-25T02:00:00+01:00", 1],
      ],
    },
    {
      name: "a range that starts and ends inside days is widened to whole days",
      from: "2026-03-26T13:30:00+01:00",
      to: "2026-03-27T00:00:01+01:00",
      unit: "day",
      zone: VIENNA,
      expected: [
        ["2026-03-26T00:00:00+01:00", 24],
        ["2026-03-27T00:00:00+01:00", 24],
      ],
    },
    {
      name: "ISO weeks start on Monday, and the week holding the spring-forward Sunday has 167 hours",
      from: "2026-03-25",
      to: "2026-03-31",
      unit: "week",
      zone: VIENNA,
      expected: [
        ["2026-03-23T00:00:00+01:00", 167],
        ["2026-03-30T00:00:00+02:00", 168],
      ],
    },
    {
      name: "months follow the calendar: February, March with its short day, April",
      from: "2026-02-10",
      to: "2026-04-02",
      unit: "month",
      zone: VIENNA,
      expected: [
        ["2026-02-01T00:00:00+01:00", 28 * 24],
        ["2026-03-01T00:00:00+01:00", 31 * 24 - 1],
        ["2026-04-01T00:00:00+02:00", 30 * 24],
      ],
    },
    {
      name: "an ISO instant in UTC is placed in the zone's day it falls in",
      from: "2026-03-26T23:30:00Z",
      to: "2026-03-27T00:30:00Z",
      unit: "day",
      zone: VIENNA,
      expected: [["2026-03-27T00:00:00+01:00", 24]],
    },
    {
      name: "Kolkata's days start at 18:30 UTC (+05:30)",
      from: "2026-03-29",
      to: "2026-03-30",
      unit: "day",
      zone: "Asia/Kolkata",
      expected: [["2026-03-29T00:00:00+05:30", 24]],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(intervals(c.from, c.to, c.unit, c.zone), c.expected);
    });
  }

  test("an empty or reversed range is refused", () => {
    assert.deepEqual(intervals("2026-03-29", "2026-03-29", "day", VIENNA), { problem: "empty" });
    assert.deepEqual(intervals("2026-03-30", "2026-03-29", "day", VIENNA), { problem: "empty" });
  });

  test("more intervals than allowed are refused without making them all", () => {
    assert.equal((intervals("2026-01-01", "2026-01-11", "day", VIENNA, 10) as unknown[]).length, 10);
    assert.deepEqual(intervals("2026-01-01", "2026-01-12", "day", VIENNA, 10), {
      problem: "too-many",
      max: 10,
    });
    const started = performance.now();
    assert.deepEqual(intervals("1900-01-01", "2100-01-01", "hour", VIENNA, 10_000), {
      problem: "too-many",
      max: 10_000,
    });
    assert.ok(performance.now() - started < 2000, "stops counting at the cap");
  });

  test("10,000 hours across two daylight-saving changes agree with the calendar, hour by hour", () => {
    const from = Date.parse("2026-01-01T00:00:00Z");
    const made = calendarEdges(from, from + 9_999 * HOUR, "hour", VIENNA, 10_000);
    assert.ok(!("problem" in made));
    assert.equal(made.edges.length, 10_000);
    const byCalendar = DateTime.fromMillis(from, { zone: VIENNA });
    for (const [k, edge] of made.edges.entries()) {
      const expected = byCalendar.plus({ hours: k });
      assert.equal(edge, expected.toMillis(), `edge ${k}`);
      assert.equal(made.offsets[k], expected.offset, `offset ${k}`);
    }
    const offsets = new Set(made.offsets);
    assert.deepEqual([...offsets].sort(), [120, 60]);
  });

  test("days and weeks over six years agree with the calendar in zones north, south and off the hour", () => {
    const from = Date.parse("2024-01-01T00:00:00Z");
    const to = Date.parse("2030-01-01T00:00:00Z");
    for (const zone of [
      "Europe/Vienna",
      "America/New_York",
      "Australia/Sydney",
      "Asia/Kolkata",
      "Pacific/Chatham",
    ]) {
      for (const unit of ["day", "week"] as const) {
        const made = calendarEdges(from, to, unit, zone, 10_000);
        assert.ok(!("problem" in made));
        let expected = DateTime.fromMillis(from, { zone }).startOf(unit);
        for (const [k, edge] of made.edges.entries()) {
          assert.equal(edge, expected.toMillis(), `${zone} ${unit} ${k}`);
          assert.equal(made.offsets[k], expected.offset, `${zone} ${unit} ${k} offset`);
          expected = expected.plus({ [unit]: 1 }).startOf(unit);
        }
      }
    }
  });

  test("Lord Howe Island turns its clock back by half an hour: that local hour lasts 1.5 hours", () => {
    const zone = "Australia/Lord_Howe";
    assert.deepEqual(intervals("2026-04-05T01:00", "2026-04-05T03:00", "hour", zone), [
      ["2026-04-05T01:00:00+11:00", 1.5],
      ["2026-04-05T02:00:00+10:30", 1],
    ]);
  });
});

describe("reading times for energy queries", () => {
  test("plain dates are local midnight, local date-times are read in the zone, instants keep their offset", () => {
    assert.equal(parseLocalInstant("2026-03-29", VIENNA), Date.parse("2026-03-28T23:00:00Z"));
    assert.equal(parseLocalInstant("2026-03-30", VIENNA), Date.parse("2026-03-29T22:00:00Z"));
    assert.equal(parseLocalInstant("2026-03-29T10:00", VIENNA), Date.parse("2026-03-29T08:00:00Z"));
    assert.equal(parseLocalInstant("2026-03-29T10:00:00Z", VIENNA), Date.parse("2026-03-29T10:00:00Z"));
    assert.equal(parseLocalInstant("2026-03-29T10:00:00+05:30", VIENNA), Date.parse("2026-03-29T04:30:00Z"));
    assert.equal(parseLocalInstant("1774742400000", VIENNA), 1774742400000);
  });

  test("text that is no date, and dates that do not exist, are undefined", () => {
    for (const text of ["yesterday", "2026-02-30", "2026-13-01", "", "29.03.2026", "99999999999999999999"]) {
      assert.equal(parseLocalInstant(text, VIENNA), undefined, text);
    }
  });

  test("zones are spelled canonically; unknown ones are undefined", () => {
    assert.equal(canonicalTimeZone("europe/vienna"), VIENNA);
    assert.equal(canonicalTimeZone("UTC"), "UTC");
    assert.equal(canonicalTimeZone("Mars/Olympus_Mons"), undefined);
  });
});

describe("a point in time as the APIs' from and to give it", () => {
  const at = (iso: string) => Date.parse(iso);
  const cases: ReadonlyArray<readonly [string, number | undefined]> = [
    ["2026-03-01T00:00:00Z", at("2026-03-01T00:00:00Z")],
    ["2026-03-01T00:00:00+01:00", at("2026-02-28T23:00:00Z")],
    ["2026-03-01T00:00:00.5-05:00", at("2026-03-01T05:00:00.500Z")],
    ["2026-03-01T06:00", at("2026-03-01T05:00:00Z")], // local: read in Vienna
    ["2026-03-01", at("2026-02-28T23:00:00Z")], // a date: its local midnight
    ["2026-03-29T02:30", at("2026-03-29T01:30:00Z")], // skipped by the change: moved forward by it
    [" 86400000 ", 86_400_000],
    ["2026-02-30", undefined],
    ["2026-02-30T00:00:00Z", undefined],
    ["2026-03-01T24:30:00Z", undefined],
    ["March 1, 2026", undefined],
    ["", undefined],
  ];
  for (const [text, expected] of cases) {
    test(`${JSON.stringify(text)} → ${expected === undefined ? "none" : new Date(expected).toISOString()}`, () => {
      assert.equal(parseLocalInstant(text, "Europe/Vienna"), expected);
    });
  }
});
