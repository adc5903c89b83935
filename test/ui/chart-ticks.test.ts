import assert from "node:assert/strict";
import { test } from "node:test";
import {
  dataExtent,
  startAtData,
  timeLabels,
  valueLabels,
  zoneName,
  zoomInWindow,
} from "../../web/src/lib/chart-ticks.ts";

const distinct = (labels: readonly string[]) => new Set(labels).size === labels.length;

test("value labels take as many decimals as it needs for no two to be the same", () => {
  // Seven ticks 0.0001 apart were seven times "0,971" with three fixed decimals.
  const ticks = [0.9708, 0.9709, 0.971, 0.9711, 0.9712, 0.9713, 0.9714];
  assert.deepEqual(valueLabels(ticks, "de-DE"), [
    "0,9708",
    "0,9709",
    "0,9710",
    "0,9711",
    "0,9712",
    "0,9713",
    "0,9714",
  ]);
  assert.deepEqual(valueLabels([0, 500, 1000, 1500], "en-US"), ["0", "500", "1,000", "1,500"]);
  assert.deepEqual(valueLabels([-0.5, 0, 0.5], "en-US"), ["-0.5", "0.0", "0.5"], "never rounded to -1 0 1");
  for (const step of [1e-6, 0.003, 0.25, 7, 1234]) {
    const many = Array.from({ length: 12 }, (_, i) => 100 + i * step);
    assert.ok(distinct(valueLabels(many, "fr-FR")), `step ${step}`);
  }
});

test("time labels never repeat: seconds under a minute apart, dates when days apart, the date at a new day", () => {
  const at = (iso: string) => Date.parse(iso) / 1000;
  // Ticks 30 s apart were "15:36 15:36 15:37…".
  const half = [0, 30, 60, 90].map((s) => at("2026-11-23T14:36:00Z") + s);
  assert.deepEqual(timeLabels(half, "Europe/Vienna", "de-DE"), [
    "15:36:00\n23. Nov.",
    "15:36:30",
    "15:37:00",
    "15:37:30",
  ]);
  const minutes = [0, 60, 120].map((s) => at("2026-11-23T22:59:00Z") + s);
  assert.deepEqual(timeLabels(minutes, "Europe/Vienna", "en-GB"), [
    "23:59\n23 Nov",
    "00:00\n24 Nov",
    "00:01",
  ]);
  const days = [0, 1, 2].map((d) => at("2026-11-22T23:00:00Z") + d * 86_400);
  assert.deepEqual(timeLabels(days, "Europe/Vienna", "en-GB"), ["23 Nov", "24 Nov", "25 Nov"]);
  // Whatever the spacing (a daylight-saving day among them), no label of one day repeats.
  const dayOf = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Vienna", dateStyle: "short" });
  for (const step of [1, 5, 45, 61, 90, 600, 3600, 5400, 43_200]) {
    const ticks = Array.from({ length: 10 }, (_, i) => at("2026-03-29T00:00:00Z") + i * step);
    const labels = timeLabels(ticks, "Europe/Vienna", "en-US");
    const moments = labels.map((l, i) => `${dayOf.format((ticks[i] ?? 0) * 1000)} ${l.split("\n")[0]}`);
    assert.ok(distinct(moments), `step ${step} s: ${labels.join(" | ")}`);
  }
});

test("Zoom in halves the span around the middle of the data present, inside the shown range", () => {
  const shown = { from: 0, to: 1000 };
  assert.deepEqual(zoomInWindow(shown, undefined), { from: 250, to: 750 }, "no data: the middle");
  assert.deepEqual(
    zoomInWindow(shown, { first: 900, last: 1000 }),
    { from: 500, to: 1000 },
    "data at the end",
  );
  assert.deepEqual(zoomInWindow(shown, { first: 0, last: 40 }), { from: 0, to: 500 }, "data at the start");
  assert.deepEqual(zoomInWindow(shown, { first: 300, last: 500 }), { from: 150, to: 650 });
});

test("a preset range starts at the first data when the source is younger than the range", () => {
  const day = 86_400_000;
  const to = Date.parse("2026-11-23T12:00:00Z");
  const first = Date.parse("2026-11-23T11:50:30Z");
  assert.equal(startAtData(to - day, to, first), Date.parse("2026-11-23T11:49:00Z"));
  assert.equal(startAtData(to - day, to, to - day + 60_000), undefined, "data from the start: unchanged");
  assert.equal(startAtData(to - day, to, undefined), undefined, "no data: unchanged");
  assert.deepEqual(
    dataExtent([{ points: [{ t: "2026-11-23T11:00:00Z" }, { t: "2026-11-23T11:30:00Z" }] }, { points: [] }]),
    { first: Date.parse("2026-11-23T11:00:00Z"), last: Date.parse("2026-11-23T11:30:00Z") },
  );
  assert.equal(dataExtent([{ points: [] }]), undefined);
});

test("the zone's short name is written beside times", () => {
  assert.equal(zoneName("Europe/Vienna", Date.parse("2026-11-23T12:00:00Z"), "en-GB"), "CET");
  assert.equal(zoneName("Europe/Vienna", Date.parse("2026-07-01T12:00:00Z"), "de-DE"), "MESZ");
  assert.equal(zoneName("UTC", 0, "en-US"), "UTC");
});
