import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  nextFireTime,
  nextFireTimes,
  parseSchedule,
  runSchedule,
  type Schedule,
  shortestIntervalSeconds,
} from "../../src/platform/schedule.ts";

function schedule(text: string): Schedule {
  const parsed = parseSchedule(text);
  if (!parsed.ok) assert.fail(`${text}: ${parsed.reason}`);
  return parsed.schedule;
}

function next(text: string, after: string): string | undefined {
  const at = nextFireTime(schedule(text), Date.parse(after));
  return at === undefined ? undefined : new Date(at).toISOString();
}

describe("Spring cron schedules (croner)", () => {
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
      ["0 0 0 ? * ?", "2026-02-12T00:00:00.000Z"],
      ["@hourly", "2026-02-11T16:00:00.000Z"],
      ["@DAILY", "2026-02-12T00:00:00.000Z"],
      ["@midnight", "2026-02-12T00:00:00.000Z"],
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
    assert.deepEqual(
      nextFireTimes(schedule("*/20 * * * * *"), Date.parse("2026-02-11T15:32:20.000Z"), 3).map((t) =>
        new Date(t).toISOString(),
      ),
      ["2026-02-11T15:32:40.000Z", "2026-02-11T15:33:00.000Z", "2026-02-11T15:33:20.000Z"],
    );
  });

  it("ANDs day-of-month and day-of-week, as Spring does", () => {
    assert.equal(next("0 0 0 13 * FRI", "2026-02-11T00:00:00Z"), "2026-02-13T00:00:00.000Z");
    assert.equal(next("0 0 0 13 * FRI", "2026-02-13T00:00:00Z"), "2026-03-13T00:00:00.000Z");
  });

  it("knows the day rules croner shares with Spring: L, dL, d#n", () => {
    const cases: Array<[string, string, string]> = [
      ["0 0 0 L * *", "2024-02-10T00:00:00Z", "2024-02-29T00:00:00.000Z"],
      ["0 0 0 * * 5L", "2026-02-01T00:00:00Z", "2026-02-27T00:00:00.000Z"],
      ["0 0 0 * * fril", "2026-02-01T00:00:00Z", "2026-02-27T00:00:00.000Z"],
      ["0 0 0 * * 1#2", "2026-02-10T00:00:00Z", "2026-03-09T00:00:00.000Z"],
      ["0 0 0 * * MON#2", "2026-02-10T00:00:00Z", "2026-03-09T00:00:00.000Z"],
      ["0 0 0 1,L * *", "2026-02-02T00:00:00Z", "2026-02-28T00:00:00.000Z"],
    ];
    for (const [text, after, expected] of cases) assert.equal(next(text, after), expected, text);
  });

  it("never fires for a date that does not exist", () => {
    assert.equal(next("0 0 0 30 2 *", "2026-01-01T00:00:00Z"), undefined);
    assert.equal(shortestIntervalSeconds(schedule("0 0 0 30 2 *")), undefined);
  });

  it("refuses what Spring refuses, naming the field and the fault", () => {
    const sixFields = "a cron expression needs 6 fields (second minute hour day-of-month month day-of-week)";
    const cases: Array<[string, string]> = [
      ["", "the cron expression is empty"],
      ["*/5 * * * *", `${sixFields}, found 5`],
      ["0 0 0 * * * 2026", `${sixFields}, found 7`],
      ["60 * * * * *", 'field 1 (second) "60": a value is outside 0-59'],
      ["*/0 * * * * *", 'field 1 (second) "*/0": Syntax error, illegal stepping: 0'],
      ["0 30-10 * * * *", "field 2 (minute) \"30-10\": From value is larger than to value: '30-10'"],
      ["0 0 24 * * *", 'field 3 (hour) "24": a value is outside 0-23'],
      ["0 0 0 0 * *", 'field 4 (day-of-month) "0": a value is outside 1-31'],
      [
        "0 0 0 1,,2 * *",
        'field 4 (day-of-month) "1,,2": configuration entry day () is empty, check for trailing spaces.',
      ],
      ["0 0 0 * 13 *", 'field 5 (month) "13": a value is outside 1-12'],
      ["0 0 0 * * 8", 'field 6 (day-of-week) "8": a value is outside 0-7'],
      ["? * * * * *", 'field 1 (second) "?": ? stands only in day-of-month and day-of-week'],
      ["0 0 0 5L * *", 'field 4 (day-of-month) "5L": L stands alone (the last day of the month)'],
      ["0 0 0 * * L", 'field 6 (day-of-week) "L": L comes last, after a day ("5L": the last Friday)'],
      [
        "0 0 0 * * 1#0",
        'field 6 (day-of-week) "1#0": nth weekday out of range, should be 1-5 or L. Value: 0, Type: string',
      ],
      [
        "0 0 0 * * 1#",
        'field 6 (day-of-week) "1#": expected a day, # and a number ("1#2": the second Monday)',
      ],
      [
        "0 0 0 * * MONDAY",
        'field 6 (day-of-week) "MONDAY": configuration entry 5 (1DAY) contains illegal characters.',
      ],
    ];
    for (const [text, reason] of cases) assert.deepEqual(parseSchedule(text), { ok: false, reason }, text);
  });

  it("refuses Spring's nearest-weekday and L-n rules, which croner does not have", () => {
    const cases: Array<[string, string]> = [
      [
        "0 0 0 L-2 * *",
        'field 4 (day-of-month) "L-2": L-n (n days before the last) is not supported by this hub',
      ],
      ["0 0 0 LW * *", 'field 4 (day-of-month) "LW": W (nearest weekday) is not supported by this hub'],
      ["0 0 0 15W * *", 'field 4 (day-of-month) "15W": W (nearest weekday) is not supported by this hub'],
    ];
    for (const [text, reason] of cases) assert.deepEqual(parseSchedule(text), { ok: false, reason }, text);
  });

  it("refuses names of the object prototype instead of taking them for macros", () => {
    for (const text of ["constructor", "__proto__", "@constructor"]) {
      assert.deepEqual(
        parseSchedule(text),
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
      ["59 59 23 L * *", 28 * 86_400],
    ];
    for (const [text, seconds] of cases) assert.equal(shortestIntervalSeconds(schedule(text)), seconds, text);
  });

  it("agrees with the gaps between consecutive fire times over two days", () => {
    for (const text of [
      "*/7 * * * * *",
      "0 0,7,30 */5 * * *",
      "10,50 59 23 * * *",
      "0 0 9-17/4 * * TUE,THU",
    ]) {
      const firings = nextFireTimes(schedule(text), Date.parse("2026-02-10T00:00:00Z"), 2000);
      let shortest = Number.POSITIVE_INFINITY;
      for (let i = 1; i < firings.length; i += 1)
        shortest = Math.min(shortest, ((firings[i] ?? 0) - (firings[i - 1] ?? 0)) / 1000);
      assert.equal(shortestIntervalSeconds(schedule(text)), shortest, text);
    }
  });

  it("runs a callback at each firing until stopped", async () => {
    const fired: number[] = [];
    await new Promise<void>((resolve) => {
      const running = runSchedule(schedule("* * * * * *"), (at) => {
        fired.push(at);
        if (fired.length === 2) {
          running.stop();
          resolve();
        }
      });
    });
    assert.equal(fired.length, 2);
    assert.ok((fired[1] ?? 0) > (fired[0] ?? 0));
  });
});
