import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { calendarEdges, parseLocalInstant } from "../platform/calendar-intervals.ts";
import type { EnergyMethod } from "./energy-quantity.ts";
import { type IntervalEnergy, intervalIndex, tallyEnergy } from "./energy-tally.ts";
import { type ReadingRun, singleReading, summariseReadings } from "./reading-run.ts";

const VIENNA = "Europe/Vienna";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A local time in Vienna. */
function at(local: string): number {
  return parseLocalInstant(local, VIENNA) ?? assert.fail(`bad time ${local}`);
}

/** Edges of the local days from `first` up to (not including) `end`. */
function days(first: string, end: string): readonly number[] {
  const made = calendarEdges(at(first), at(end), "day", VIENNA, 100);
  assert.ok(!("problem" in made));
  return made.edges;
}

type Reading = readonly [number, number];

/** A reading every `stepMinutes` from `first` to `last` (both included), valued by `value`. */
function every(first: string, last: string, stepMinutes: number, value: (ts: number) => number): Reading[] {
  const readings: Reading[] = [];
  for (let ts = at(first); ts <= at(last); ts += stepMinutes * MINUTE) readings.push([ts, value(ts)]);
  return readings;
}

/** A register that counts 1 kWh per hour since `origin` (local), from `base`. */
const kWhPerHour =
  (origin: string, base = 0, rate = 1) =>
  (ts: number) =>
    base + (rate * (ts - at(origin))) / HOUR;

const steady = (kW: number) => () => kW;

/** Each reading as its own run: what the query does for hours that are not rolled up. */
function singles(readings: readonly Reading[]): ReadingRun[] {
  return readings.map(([ts, value]) => singleReading(ts, value));
}

/** Readings grouped into UTC hours as the hourly rollup keeps them; hours with a long gap stay single readings. */
function hourly(readings: readonly Reading[], maxGapMs: number): ReadingRun[] {
  const hours = new Map<number, Reading[]>();
  for (const reading of readings) {
    const hour = Math.floor(reading[0] / HOUR) * HOUR;
    hours.set(hour, [...(hours.get(hour) ?? []), reading]);
  }
  return [...hours.values()].flatMap((inHour) => {
    const run = summariseReadings(inHour);
    return run.maxGap > maxGapMs ? singles(inHour) : [run];
  });
}

/** Rounded as the API rounds, so the tables read as plain numbers. */
function rounded(energy: readonly IntervalEnergy[]) {
  return energy.map((e) => ({
    kWh: e.kWh === null ? null : Math.round(e.kWh * 1e6) / 1e6,
    completeness: Math.round(e.completeness * 1e6) / 1e6,
    resets: e.resets,
  }));
}

interface Case {
  readonly name: string;
  readonly method: EnergyMethod;
  readonly readings: readonly Reading[];
  readonly edges: readonly number[];
  readonly maxGapMinutes?: number;
  readonly expected: ReadonlyArray<{ kWh: number | null; completeness: number; resets: number }>;
}

const full = (kWh: number | null) => ({ kWh, completeness: 1, resets: 0 });

const CASES: readonly Case[] = [
  {
    name: "an ordinary day: a register rising 1 kWh an hour gives 24 kWh, the whole day covered",
    method: "register",
    readings: every("2026-03-25T23:45", "2026-03-27T00:00", 15, kWhPerHour("2026-03-26", 1000)),
    edges: days("2026-03-26", "2026-03-27"),
    expected: [full(24)],
  },
  {
    name: "the spring-forward day in Vienna has 23 hours: 23 kWh from the register",
    method: "register",
    readings: every("2026-03-28T23:45", "2026-03-30T00:00", 15, kWhPerHour("2026-03-29", 1000)),
    edges: days("2026-03-29", "2026-03-31"),
    // The next day's 00:00 reading takes the last quarter hour into that day.
    expected: [full(23), { kWh: 0.25, completeness: 0, resets: 0 }],
  },
  {
    name: "the fall-back day in Vienna has 25 hours: 25 kWh from the register",
    method: "register",
    readings: every("2026-10-24T23:45", "2026-10-26T00:00", 15, kWhPerHour("2026-10-25", 1000)),
    edges: days("2026-10-25", "2026-10-26"),
    expected: [full(25)],
  },
  {
    name: "a steady 1 kW on the spring-forward day integrates to 23 kWh",
    method: "power",
    readings: every("2026-03-28T23:55", "2026-03-30T00:05", 5, steady(1)),
    edges: days("2026-03-29", "2026-03-30"),
    expected: [full(23)],
  },
  {
    name: "a steady 1 kW on the fall-back day integrates to 25 kWh",
    method: "power",
    readings: every("2026-10-24T23:55", "2026-10-26T00:05", 5, steady(1)),
    edges: days("2026-10-25", "2026-10-26"),
    expected: [full(25)],
  },
  {
    name: "a meter reset at noon: the increases before and after count, the drop and its quarter hour do not",
    method: "register",
    readings: [
      ...every("2026-03-25T23:45", "2026-03-26T12:00", 15, kWhPerHour("2026-03-26", 100)),
      // The new meter starts from 0 at 12:00; its first reading comes at 12:15.
      ...every("2026-03-26T12:15", "2026-03-27T00:00", 15, kWhPerHour("2026-03-26T12:00")),
    ],
    edges: days("2026-03-26", "2026-03-27"),
    expected: [{ kWh: 12 + 11.75, completeness: 1, resets: 1 }],
  },
  {
    name: "a total that dips once (a glitch) counts no negative energy, only the rise after it",
    method: "register",
    readings: [
      [at("2026-03-26T10:00"), 50],
      [at("2026-03-26T10:05"), 51],
      [at("2026-03-26T10:10"), 50.5],
      [at("2026-03-26T10:15"), 52],
    ],
    edges: days("2026-03-26", "2026-03-27"),
    expected: [{ kWh: 1 + 1.5, completeness: 15 / (24 * 60), resets: 1 }],
  },
  {
    name: "a two-hour gap in power readings is not bridged: 22 hours at 2 kW, 22 of 24 hours covered",
    method: "power",
    readings: every("2026-03-25T23:55", "2026-03-27T00:05", 5, steady(2)).filter(
      ([ts]) => ts <= at("2026-03-26T10:00") || ts >= at("2026-03-26T12:00"),
    ),
    edges: days("2026-03-26", "2026-03-27"),
    expected: [{ kWh: 44, completeness: 22 / 24, resets: 0 }],
  },
  {
    name: "the same gap in register readings: all energy counts (it is a difference), completeness shows the gap",
    method: "register",
    readings: every("2026-03-25T23:45", "2026-03-27T00:00", 15, kWhPerHour("2026-03-26")).filter(
      ([ts]) => ts <= at("2026-03-26T10:00") || ts >= at("2026-03-26T12:00"),
    ),
    edges: days("2026-03-26", "2026-03-27"),
    expected: [{ kWh: 24, completeness: 22 / 24, resets: 0 }],
  },
  {
    name: "power readings exactly as far apart as the limit are bridged",
    method: "power",
    readings: every("2026-03-26T00:00", "2026-03-27T00:00", 15, steady(1)),
    edges: days("2026-03-26", "2026-03-27"),
    expected: [full(24)],
  },
  {
    name: "power readings further apart than the limit say nothing: no energy, nothing covered",
    method: "power",
    readings: every("2026-03-26T00:00", "2026-03-27T00:00", 15, steady(1)),
    edges: days("2026-03-26", "2026-03-27"),
    maxGapMinutes: 14,
    expected: [{ kWh: null, completeness: 0, resets: 0 }],
  },
  {
    name: "the first day of data, from noon: the register's rise from its first to its last reading, half the day covered",
    method: "register",
    readings: every("2026-03-26T12:00", "2026-03-27T00:00", 15, kWhPerHour("2026-03-26", 500)),
    edges: days("2026-03-26", "2026-03-27"),
    expected: [{ kWh: 11.75, completeness: 0.5, resets: 0 }],
  },
  {
    name: "the first day of power data, from noon: half the day's energy and half the day covered",
    method: "power",
    readings: every("2026-03-26T12:00", "2026-03-27T00:05", 5, steady(3)),
    edges: days("2026-03-26", "2026-03-27"),
    expected: [{ kWh: 36, completeness: 0.5, resets: 0 }],
  },
  {
    name: "the current day, read at 18:00: the rise since the last reading before midnight, 3/4 covered",
    method: "register",
    readings: every("2026-03-25T23:45", "2026-03-26T18:00", 15, kWhPerHour("2026-03-26", 7)),
    edges: days("2026-03-26", "2026-03-27"),
    expected: [{ kWh: 18.25, completeness: 0.75, resets: 0 }],
  },
  {
    name: "power that goes down and up again is integrated as it is; a fall of power is no reset",
    method: "power",
    readings: every("2026-03-25T23:55", "2026-03-27T00:05", 5, (ts) =>
      Math.floor(ts / (5 * MINUTE)) % 2 === 0 ? 1 : 3,
    ),
    edges: days("2026-03-26", "2026-03-27"),
    expected: [full(48)],
  },
  {
    name: "a pair of power readings across midnight is split where the line between them crosses it",
    method: "power",
    readings: [
      [at("2026-03-26T23:50"), 2],
      [at("2026-03-27T00:10"), 4],
    ],
    edges: days("2026-03-26", "2026-03-28"),
    maxGapMinutes: 30,
    expected: [
      // 10 minutes from 2 to 3 kW, then 10 minutes from 3 to 4 kW.
      { kWh: 2.5 / 6, completeness: 10 / (24 * 60), resets: 0 },
      { kWh: 3.5 / 6, completeness: 10 / (24 * 60), resets: 0 },
    ],
  },
  {
    name: "a register's rise between 23:59 and 00:01 counts in the day of the later reading",
    method: "register",
    readings: [
      [at("2026-03-26T23:59"), 10],
      [at("2026-03-27T00:01"), 11],
    ],
    edges: days("2026-03-26", "2026-03-28"),
    expected: [
      { kWh: 0, completeness: 1 / (24 * 60), resets: 0 },
      { kWh: 1, completeness: 1 / (24 * 60), resets: 0 },
    ],
  },
  {
    name: "a day without readings has no energy (null, not 0); the day after takes the rise since the last reading",
    method: "register",
    readings: [
      ...every("2026-03-26T00:00", "2026-03-26T23:45", 15, kWhPerHour("2026-03-26")),
      ...every("2026-03-28T00:00", "2026-03-28T01:00", 15, kWhPerHour("2026-03-26")),
    ],
    edges: days("2026-03-26", "2026-03-29"),
    expected: [
      { kWh: 23.75, completeness: 23.75 / 24, resets: 0 },
      { kWh: null, completeness: 0, resets: 0 },
      { kWh: 25.25, completeness: 1 / 24, resets: 0 },
    ],
  },
];

describe("energy per interval from readings", () => {
  for (const c of CASES) {
    test(c.name, () => {
      const maxGapMs = (c.maxGapMinutes ?? 15) * MINUTE;
      const expected = c.expected.map((e) => ({
        ...e,
        kWh: e.kWh === null ? null : Math.round(e.kWh * 1e6) / 1e6,
        completeness: Math.round(e.completeness * 1e6) / 1e6,
      }));
      assert.deepEqual(rounded(tallyEnergy(c.method, singles(c.readings), c.edges, maxGapMs)), expected);
      // The hourly rollup's runs give the same as the raw readings they summarise.
      const runs = hourly(c.readings, maxGapMs);
      assert.deepEqual(rounded(tallyEnergy(c.method, runs, c.edges, maxGapMs)), expected, "from hourly runs");
    });
  }

  test("runs that cross an edge, come out of order or hide a long gap are refused, not miscounted", () => {
    const edges = days("2026-03-26", "2026-03-27");
    const across = summariseReadings([
      [at("2026-03-25T23:50"), 1],
      [at("2026-03-26T00:10"), 2],
    ]);
    assert.throws(() => tallyEnergy("power", [across], edges, HOUR), /crosses an interval edge/);
    const late = singleReading(at("2026-03-26T10:00"), 1);
    const early = singleReading(at("2026-03-26T09:00"), 1);
    assert.throws(() => tallyEnergy("power", [late, early], edges, HOUR), /not in time order/);
    const gappy = summariseReadings([
      [at("2026-03-26T10:00"), 1],
      [at("2026-03-26T10:40"), 1],
    ]);
    assert.throws(() => tallyEnergy("power", [gappy], edges, 15 * MINUTE), /gap longer than the limit/);
  });

  test("an instant's interval: before the first edge −1, at an edge the interval it starts, at the end n", () => {
    const edges = [0, 10, 20];
    assert.deepEqual(
      [-1, 0, 9, 10, 19, 20, 99].map((ts) => intervalIndex(edges, ts)),
      [-1, 0, 0, 1, 1, 2, 2],
    );
  });
});
