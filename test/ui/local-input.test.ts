import assert from "node:assert/strict";
import { test } from "node:test";
import { fromLocalInput, setDisplayTimeZone, toLocalInput, zoneName } from "../../web/src/lib/format.ts";

/** The hub's zone in these cases; the test process itself runs in whatever zone the machine has. */
const VIENNA = "Europe/Vienna";
const utc = (iso: string) => Date.parse(iso);

test("the range inputs write an instant as the wall time of the hub's zone, not the browser's", () => {
  assert.equal(toLocalInput(utc("2026-01-15T13:05:30Z"), VIENNA), "2026-01-15T14:05");
  assert.equal(toLocalInput(utc("2026-07-15T13:05:30Z"), VIENNA), "2026-07-15T15:05");
  assert.equal(toLocalInput(utc("2026-07-15T13:05:30Z"), "UTC"), "2026-07-15T13:05");
  // Without a zone given, the zone the page shows times in.
  setDisplayTimeZone(VIENNA);
  assert.equal(toLocalInput(utc("2026-01-15T13:05:30Z")), "2026-01-15T14:05");
});

test("a typed wall time is read in the hub's zone, daylight-saving days included", () => {
  assert.equal(fromLocalInput("2026-01-15T14:05", VIENNA), utc("2026-01-15T13:05Z"));
  assert.equal(fromLocalInput("2026-07-01T12:00", VIENNA), utc("2026-07-01T10:00Z"));
  // 02:30 does not exist on the spring-forward day: it counts as the hour after (03:30 CEST).
  assert.equal(fromLocalInput("2026-03-29T02:30", VIENNA), utc("2026-03-29T01:30Z"));
  // 02:30 comes twice on the fall-back day: the second time, in standard time (02:30 CET).
  assert.equal(fromLocalInput("2026-10-25T02:30", VIENNA), utc("2026-10-25T01:30Z"));
  // What the inputs show reads back as the same minute (but for the hour that comes twice).
  const instant = utc("2026-03-29T01:15Z");
  assert.equal(fromLocalInput(toLocalInput(instant, VIENNA), VIENNA), instant);
  setDisplayTimeZone("America/New_York");
  assert.equal(fromLocalInput("2026-01-15T09:00"), utc("2026-01-15T14:00Z"));
});

test("an empty or impossible wall time is no instant", () => {
  for (const value of ["", "tomorrow", "2026-02-30T10:00", "2026-01-15T25:00"])
    assert.ok(Number.isNaN(fromLocalInput(value, VIENNA)), value);
});

test("the inputs are labelled with the short name of the hub's zone, for the instant shown", () => {
  setDisplayTimeZone(VIENNA);
  // English (the language without a browser) names Vienna's zones by their offset.
  assert.equal(zoneName(utc("2026-01-15T12:00Z")), "GMT+1");
  assert.equal(zoneName(utc("2026-07-15T12:00Z")), "GMT+2");
  setDisplayTimeZone("UTC");
  assert.equal(zoneName(), "UTC");
});
