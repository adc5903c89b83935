import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LocalTimes } from "../platform/local-time.ts";
import { exportFileName } from "./export-file-name.ts";

const ID = "3f1c2b9a-0d4e-4f5a-9b6c-7d8e9f0a1b2c";
const at = (iso: string) => Date.parse(iso);
const vienna = new LocalTimes("Europe/Vienna");

describe("export file names", () => {
  // [what, source name, from, to, kind, file name]
  const cases: ReadonlyArray<readonly [string, string, string, string, string | undefined, string]> = [
    [
      "whole local days name the first and the last day",
      "Kitchen meter",
      "2026-02-28T23:00:00Z",
      "2026-03-31T22:00:00Z",
      undefined,
      "aiida-kitchen-meter-2026-03-01_2026-03-31.csv",
    ],
    [
      "one local day names it twice",
      "Kitchen meter",
      "2026-03-28T23:00:00Z",
      "2026-03-29T22:00:00Z",
      undefined,
      "aiida-kitchen-meter-2026-03-29_2026-03-29.csv",
    ],
    [
      "UTC midnights are not Vienna's: start and end to the local minute",
      "Kitchen meter",
      "2026-03-01T00:00:00Z",
      "2026-03-02T00:00:00Z",
      undefined,
      "aiida-kitchen-meter-2026-03-01T0100_2026-03-02T0100.csv",
    ],
    [
      "accents lose their marks, other characters become dashes",
      "Zähler Küche / 1",
      "2026-03-01T07:15:00Z",
      "2026-03-01T09:15:30Z",
      undefined,
      "aiida-zahler-kuche-1-2026-03-01T0815_2026-03-01T1015.csv",
    ],
    [
      "quotes, slashes and dots cannot escape the name",
      '../"evil"; filename=x.exe',
      "2026-02-28T23:00:00Z",
      "2026-03-01T23:00:00Z",
      undefined,
      "aiida-evil-filename-x-exe-2026-03-01_2026-03-01.csv",
    ],
    [
      "a name without safe characters gives way to the id",
      "⚡⚡⚡",
      "2026-02-28T23:00:00Z",
      "2026-03-01T23:00:00Z",
      undefined,
      `aiida-${ID}-2026-03-01_2026-03-01.csv`,
    ],
    [
      "a long name is cut to 40 characters",
      "The big heat pump in the cellar next to the laundry room",
      "2026-02-28T23:00:00Z",
      "2026-03-01T23:00:00Z",
      undefined,
      "aiida-the-big-heat-pump-in-the-cellar-next-to-2026-03-01_2026-03-01.csv",
    ],
    [
      "a kind follows the name",
      "Kitchen meter",
      "2026-02-28T23:00:00Z",
      "2026-03-31T22:00:00Z",
      "energy-day",
      "aiida-kitchen-meter-energy-day-2026-03-01_2026-03-31.csv",
    ],
  ];
  for (const [what, name, from, to, kind, expected] of cases) {
    it(`${what}: ${expected}`, () => {
      assert.equal(exportFileName({ id: ID, name }, at(from), at(to), vienna, kind), expected);
    });
  }

  it("only ever holds letters, digits, dashes, underscores and one dot", () => {
    for (const name of ['a"b', "a\r\nb", "a\\b", "a:b*?<>|", " ", "ü", "x".repeat(500)]) {
      const file = exportFileName({ id: ID, name }, 0, 3_600_000, vienna);
      assert.match(file, /^aiida-[a-z0-9-]+-[0-9T-]+_[0-9T-]+\.csv$/, file);
    }
  });
});
