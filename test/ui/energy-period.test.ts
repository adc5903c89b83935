import assert from "node:assert/strict";
import { test } from "node:test";
import {
  energyQuery,
  isoWeek,
  periodFromQuery,
  periodOf,
  shiftPeriod,
} from "../../web/src/lib/energy-period.ts";

test("periods are calendar days, Monday weeks, months and years, as dates from inclusive to exclusive", () => {
  assert.deepEqual(periodOf("day", "2026-03-29"), { kind: "day", from: "2026-03-29", to: "2026-03-30" });
  assert.deepEqual(periodOf("week", "2026-11-29"), { kind: "week", from: "2026-11-23", to: "2026-11-30" });
  assert.deepEqual(periodOf("week", "2026-11-23"), { kind: "week", from: "2026-11-23", to: "2026-11-30" });
  assert.deepEqual(periodOf("month", "2026-12-31"), { kind: "month", from: "2026-12-01", to: "2027-01-01" });
  assert.deepEqual(periodOf("year", "2028-02-29"), { kind: "year", from: "2028-01-01", to: "2029-01-01" });
});

test("previous and next step a whole period, across month and year ends", () => {
  const week = periodOf("week", "2026-12-30");
  assert.deepEqual(shiftPeriod(week, 1), { kind: "week", from: "2027-01-04", to: "2027-01-11" });
  assert.deepEqual(shiftPeriod(week, -1), { kind: "week", from: "2026-12-21", to: "2026-12-28" });
  assert.deepEqual(shiftPeriod(periodOf("month", "2026-03-31"), -1), periodOf("month", "2026-02-01"));
  assert.deepEqual(shiftPeriod(periodOf("day", "2026-12-31"), 1), periodOf("day", "2027-01-01"));
  assert.deepEqual(shiftPeriod(periodOf("year", "2026-06-01"), -1), periodOf("year", "2025-01-01"));
});

test("ISO week numbers, with the year the week's Thursday falls in", () => {
  assert.deepEqual(isoWeek("2026-11-23"), { week: 48, year: 2026 });
  assert.deepEqual(isoWeek("2025-12-29"), { week: 1, year: 2026 });
  assert.deepEqual(isoWeek("2027-01-03"), { week: 53, year: 2026 });
  assert.deepEqual(isoWeek("2026-01-01"), { week: 1, year: 2026 });
});

test("the energy query and the page's query for a period", () => {
  assert.equal(
    energyQuery(periodOf("week", "2026-11-25"), "Europe/Vienna"),
    "from=2026-11-23&to=2026-11-30&interval=day&tz=Europe%2FVienna",
  );
  assert.equal(
    energyQuery(periodOf("year", "2026-11-25"), "UTC"),
    "from=2026-01-01&to=2027-01-01&interval=month&tz=UTC",
  );
  assert.equal(
    energyQuery(periodOf("day", "2026-11-25"), "UTC"),
    "from=2026-11-25&to=2026-11-26&interval=hour&tz=UTC",
  );
  assert.deepEqual(periodFromQuery("?period=month&date=2026-11-25"), periodOf("month", "2026-11-01"));
  assert.equal(periodFromQuery("?period=month&date=2026-02-30"), undefined);
  assert.equal(periodFromQuery("?period=decade&date=2026-02-03"), undefined);
  assert.equal(periodFromQuery("?range=day"), undefined);
});
