import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HubError } from "../domain/hub-error.ts";
import { LocalTimes } from "../platform/local-time.ts";
import { exportRange, MAX_EXPORT_DAYS } from "./export-range.ts";

const vienna = new LocalTimes("Europe/Vienna");
const NOW = Date.parse("2026-03-15T12:00:00Z");
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe("the range of an export", () => {
  // [what, query, from, to]
  const accepted: ReadonlyArray<readonly [string, Record<string, string>, string, string]> = [
    ["nothing given: the last day up to now", {}, "2026-03-14T12:00:00.000Z", "2026-03-15T12:00:00.000Z"],
    [
      "instants with Z",
      { from: "2026-03-01T00:00:00Z", to: "2026-03-02T00:00:00Z" },
      "2026-03-01T00:00:00.000Z",
      "2026-03-02T00:00:00.000Z",
    ],
    [
      "instants with offsets",
      { from: "2026-03-01T00:00:00+01:00", to: "2026-04-01T00:00:00+02:00" },
      "2026-02-28T23:00:00.000Z",
      "2026-03-31T22:00:00.000Z",
    ],
    [
      "dates are local midnights, to not included (March in Vienna)",
      { from: "2026-03-01", to: "2026-04-01" },
      "2026-02-28T23:00:00.000Z",
      "2026-03-31T22:00:00.000Z",
    ],
    [
      "a day to the next is that day, 23 hours long on spring-forward day",
      { from: "2026-03-29", to: "2026-03-30" },
      "2026-03-28T23:00:00.000Z",
      "2026-03-29T22:00:00.000Z",
    ],
    [
      "a local date-time is read in the hub's zone, as the energy API reads it",
      { from: "2026-03-01T06:00", to: "2026-03-01T18:00" },
      "2026-03-01T05:00:00.000Z",
      "2026-03-01T17:00:00.000Z",
    ],
    [
      "epoch milliseconds",
      { from: "0", to: String(DAY) },
      "1970-01-01T00:00:00.000Z",
      "1970-01-02T00:00:00.000Z",
    ],
    ["only from: up to now", { from: "2026-03-15" }, "2026-03-14T23:00:00.000Z", "2026-03-15T12:00:00.000Z"],
    [
      "only to: the day before it",
      { to: "2026-03-01T00:00:00Z" },
      "2026-02-28T00:00:00.000Z",
      "2026-03-01T00:00:00.000Z",
    ],
    [
      `${MAX_EXPORT_DAYS} days, a leap year, is allowed`,
      { from: "2028-01-01", to: "2029-01-01" },
      "2027-12-31T23:00:00.000Z",
      "2028-12-31T23:00:00.000Z",
    ],
  ];
  for (const [what, query, from, to] of accepted) {
    it(`${what}: ${JSON.stringify(query)}`, () => {
      const range = exportRange(query, vienna, NOW);
      assert.deepEqual({ from: iso(range.from), to: iso(range.to) }, { from, to });
    });
  }

  // [what, query, details]
  const refused: ReadonlyArray<readonly [string, unknown, ReadonlyArray<{ path: string; reason: RegExp }>]> =
    [
      [
        "text that is no time at all",
        { to: "yesterday" },
        [
          {
            path: "to",
            reason:
              /^must be a date such as 2026-03-01 \(its midnight in Europe\/Vienna\), .* or epoch milliseconds$/,
          },
        ],
      ],
      [
        "a date that does not exist",
        { from: "2026-02-30" },
        [{ path: "from", reason: /^must be a date such as/ }],
      ],
      [
        "an instant on a date that does not exist",
        { from: "2026-02-30T00:00:00Z" },
        [{ path: "from", reason: /^must be a date such as/ }],
      ],
      [
        "both ends wrong: both named",
        { from: "x", to: "y" },
        [
          { path: "from", reason: /^must be/ },
          { path: "to", reason: /^must be/ },
        ],
      ],
      [
        "to before from",
        { from: "2026-03-02T00:00:00Z", to: "2026-03-01T00:00:00Z" },
        [{ path: "to", reason: /^must be after from \(2026-03-02T00:00:00.000Z\)$/ }],
      ],
      [
        "to equal to from: an empty range",
        { from: "2026-03-02T00:00:00Z", to: "2026-03-02T00:00:00Z" },
        [{ path: "to", reason: /^must be after from/ }],
      ],
      [
        "from in the future without to",
        { from: "2026-04-01" },
        [{ path: "from", reason: /^must be before now, where the range ends without to$/ }],
      ],
      [
        "more than 366 days",
        { from: "2025-01-01", to: "2026-01-03" },
        [{ path: "to", reason: /^is more than 366 days after from; export a year or less at a time$/ }],
      ],
      [
        "an unknown parameter",
        { from: "2026-03-01", limit: "5" },
        [{ path: "$", reason: /^unknown field\(s\): limit$/ }],
      ],
      [
        "from given twice",
        { from: ["2026-03-01", "2026-03-02"] },
        [{ path: "from", reason: /^must be given once$/ }],
      ],
    ];
  for (const [what, query, details] of refused) {
    it(`refuses ${what} with a precise reason`, () => {
      assert.throws(
        () => exportRange(query, vienna, NOW),
        (err: unknown) => {
          assert.ok(err instanceof HubError);
          assert.equal(err.code, "VALIDATION_FAILED");
          assert.equal(err.details?.length, details.length, JSON.stringify(err.details));
          for (const [i, expected] of details.entries()) {
            assert.equal(err.details?.[i]?.path, expected.path);
            assert.match(err.details?.[i]?.reason ?? "", expected.reason);
          }
          return true;
        },
      );
    });
  }
});
