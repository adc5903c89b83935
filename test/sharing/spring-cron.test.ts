import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nextFireTime, shortestIntervalSeconds } from "../../src/platform/cron-calendar.ts";
import { type CronExpression, parseCronExpression } from "../../src/platform/cron-expression.ts";

function cron(text: string): CronExpression {
  const parsed = parseCronExpression(text);
  if (!parsed.ok) assert.fail(`${text}: ${parsed.reason}`);
  return parsed.expression;
}

function next(text: string, after: string): string | undefined {
  const at = nextFireTime(cron(text), Date.parse(after));
  return at === undefined ? undefined : new Date(at).toISOString();
}

describe("Spring cron expressions", () => {
  it("fires as Spring does for plain fields, steps, ranges, lists, names and macros", () => {
    const after = "2026-02-11T15:32:24.500Z"; // a Wednesday
    const cases: Array<[string, string]> = [
      ["*/5 * * * * *", "2026-02-11T15:32:25.000Z"],
      ["0 */15 * * * *", "2026-02-11T15:45:00.000Z"],
      ["1-10/3,50 * * * * *", "2026-02-11T15:32:50.000Z"],
      ["7/20 * * * * *", "2026-02-11T15:32:27.000Z"],
      ["0 0 8 * * MON-FRI", "2026-02-12T08:00:00.000Z"],
      ["0 0 8 * * sat,sun", "2026-02-14T08:00:00.000Z"],
      ["0 0 0 1 jan-mar *", "2026-03-01T00:00:00.000Z"],
      ["0 0 0 ? * 7-1", "2026-02-15T00:00:00.000Z"],
      ["0 0 0 * * 0", "2026-02-15T00:00:00.000Z"],
      ["@hourly", "2026-02-11T16:00:00.000Z"],
      ["@DAILY", "2026-02-12T00:00:00.000Z"],
      ["@weekly", "2026-02-15T00:00:00.000Z"],
      ["@monthly", "2026-03-01T00:00:00.000Z"],
      ["@yearly", "2027-01-01T00:00:00.000Z"],
      ["  0   0  0 *  *  *  ", "2026-02-12T00:00:00.000Z"],
    ];
    for (const [text, expected] of cases) assert.equal(next(text, after), expected, text);
  });

  it("fires strictly after the given instant", () => {
    assert.equal(next("*/5 * * * * *", "2026-02-11T15:32:25.000Z"), "2026-02-11T15:32:30.000Z");
    assert.equal(next("0 0 0 * * *", "2026-02-11T23:59:59.999Z"), "2026-02-12T00:00:00.000Z");
  });

  it("ANDs day-of-month and day-of-week, as Spring does", () => {
    assert.equal(next("0 0 0 13 * FRI", "2026-02-11T00:00:00Z"), "2026-02-13T00:00:00.000Z");
    assert.equal(next("0 0 0 13 * FRI", "2026-02-13T00:00:00Z"), "2026-03-13T00:00:00.000Z");
  });

  it("knows Quartz's day rules: L, L-n, LW, nW, dL, d#n", () => {
    const cases: Array<[string, string, string]> = [
      ["0 0 0 L * *", "2024-02-10T00:00:00Z", "2024-02-29T00:00:00.000Z"],
      ["0 0 0 L-2 * *", "2026-02-01T00:00:00Z", "2026-02-26T00:00:00.000Z"],
      ["0 0 0 LW * *", "2026-02-01T00:00:00Z", "2026-02-27T00:00:00.000Z"], // the 28th is a Saturday
      ["0 0 0 LW * *", "2026-08-01T00:00:00Z", "2026-08-31T00:00:00.000Z"], // a Monday
      ["0 0 0 15W * *", "2026-02-01T00:00:00Z", "2026-02-16T00:00:00.000Z"], // the 15th is a Sunday
      ["0 0 0 1W * *", "2026-07-31T00:00:00Z", "2026-08-03T00:00:00.000Z"], // the 1st is a Saturday: not into July
      ["0 0 0 31W * *", "2026-05-01T00:00:00Z", "2026-05-29T00:00:00.000Z"], // the 31st is a Sunday: not into June
      ["0 0 0 * * 5L", "2026-02-01T00:00:00Z", "2026-02-27T00:00:00.000Z"],
      ["0 0 0 * * 1#2", "2026-02-10T00:00:00Z", "2026-03-09T00:00:00.000Z"],
      ["0 0 0 * * MON#2", "2026-02-10T00:00:00Z", "2026-03-09T00:00:00.000Z"],
      ["0 0 0 1,L * *", "2026-02-02T00:00:00Z", "2026-02-28T00:00:00.000Z"],
    ];
    for (const [text, after, expected] of cases) assert.equal(next(text, after), expected, text);
  });

  it("never fires for a date that does not exist", () => {
    assert.equal(next("0 0 0 30 2 *", "2026-01-01T00:00:00Z"), undefined);
    assert.equal(shortestIntervalSeconds(cron("0 0 0 30 2 *")), undefined);
  });

  it("refuses what Spring refuses, naming the field and the fault", () => {
    const cases: Array<[string, string]> = [
      ["", "the cron expression is empty"],
      [
        "*/5 * * * *",
        "a cron expression needs 6 fields (second minute hour day-of-month month day-of-week), found 5",
      ],
      [
        "0 0 0 * * * 2026",
        "a cron expression needs 6 fields (second minute hour day-of-month month day-of-week), found 7",
      ],
      ["60 * * * * *", 'field 1 (second) "60": 60 is outside 0-59'],
      ["*/0 * * * * *", 'field 1 (second) "*/0": the step must be 1 or more'],
      ["0 30-10 * * * *", 'field 2 (minute) "30-10": the range runs backwards (30 > 10)'],
      ["0 0 24 * * *", 'field 3 (hour) "24": 24 is outside 0-23'],
      ["0 0 0 0 * *", 'field 4 (day-of-month) "0": 0 is outside 1-31'],
      ["0 0 0 1,,2 * *", 'field 4 (day-of-month) "1,,2": a list element is empty'],
      ["0 0 0 * 13 *", 'field 5 (month) "13": 13 is outside 1-12'],
      ["0 0 0 * * 8", 'field 6 (day-of-week) "8": 8 is outside 0-7'],
      ["? * * * * *", 'field 1 (second) "?": "?" is not a number'],
      ["0 0 0 L-0 * *", 'field 4 (day-of-month) "L-0": the offset after L- must be 1-30'],
      ["0 0 0 W * *", 'field 4 (day-of-month) "W": W needs a day before it ("15W")'],
      ["0 0 0 W15 * *", 'field 4 (day-of-month) "W15": W comes last, after a day ("15W")'],
      ["0 0 0 5L * *", 'field 4 (day-of-month) "5L": L stands alone or as "LW" or "L-n"'],
      ["0 0 0 * * L", 'field 6 (day-of-week) "L": a day of the week must come first ("5L", "1#2")'],
      ["0 0 0 * * 1#0", 'field 6 (day-of-week) "1#0": the number after # must be 1 or more'],
      ["0 0 0 * * 1#", 'field 6 (day-of-week) "1#": a number must follow # ("1#2")'],
      ["0 0 0 * * MONDAY", 'field 6 (day-of-week) "1DAY": "1DAY" is not a number'],
    ];
    for (const [text, reason] of cases)
      assert.deepEqual(parseCronExpression(text), { ok: false, reason }, text);
  });

  it("refuses names of the object prototype instead of taking them for macros", () => {
    for (const text of ["constructor", "__proto__", "@constructor"]) {
      assert.deepEqual(
        parseCronExpression(text),
        {
          ok: false,
          reason:
            "a cron expression needs 6 fields (second minute hour day-of-month month day-of-week), found 1",
        },
        text,
      );
    }
  });

  it("finds the shortest time between two firings", () => {
    const cases: Array<[string, number]> = [
      ["*/5 * * * * *", 5],
      ["* * * * * *", 1],
      ["0 */15 * * * *", 900],
      ["0,1 0 * * * *", 1],
      ["0 0 22,2 * * *", 4 * 3600], // 22:00 → 02:00 the next day is closer than 02:00 → 22:00
      ["0 0 0 * * MON-FRI", 86_400],
      ["0 0 0 13 * FRI", 28 * 86_400], // Friday 13 February → Friday 13 March in a common year
      ["@monthly", 28 * 86_400],
      ["@yearly", 365 * 86_400],
    ];
    for (const [text, seconds] of cases) assert.equal(shortestIntervalSeconds(cron(text)), seconds, text);
  });

  it("agrees with the gaps between consecutive fire times over two days", () => {
    for (const text of [
      "*/7 * * * * *",
      "0 0,7,30 */5 * * *",
      "10,50 59 23 * * *",
      "0 0 9-17/4 * * TUE,THU",
    ]) {
      const expression = cron(text);
      let at = Date.parse("2026-02-10T00:00:00Z");
      let shortest = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 2000; i += 1) {
        const following = nextFireTime(expression, at);
        if (following === undefined) assert.fail(text);
        if (i > 0) shortest = Math.min(shortest, (following - at) / 1000);
        at = following;
      }
      assert.equal(shortestIntervalSeconds(expression), shortest, text);
    }
  });
});
