import type { Series, SeriesPoint } from "./types.ts";

/** The preset ranges of the history view; their names are the messages `range.preset.<key>`. */
export const PRESETS = {
  hour: { ms: 3_600_000 },
  day: { ms: 86_400_000 },
  week: { ms: 7 * 86_400_000 },
  month: { ms: 30 * 86_400_000 },
} as const;
export type Preset = keyof typeof PRESETS;

/** About this many points per chart: enough detail for a wide screen, cheap to fetch and draw. */
const TARGET_POINTS = 720;

const NICE_BUCKETS_S = [
  1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
];

/** The bucket size for a range: the smallest "nice" size giving at most about TARGET_POINTS points. */
export function bucketFor(rangeMs: number): number {
  const wanted = rangeMs / 1000 / TARGET_POINTS;
  const seconds = NICE_BUCKETS_S.find((s) => s >= wanted) ?? Math.ceil(wanted / 86_400) * 86_400;
  return seconds * 1000;
}

/** A bucket size as the API's `bucket` parameter: 30s, 5m, 1h, 1d. */
export function bucketParam(ms: number): string {
  const s = ms / 1000;
  if (s % 86_400 === 0) return `${s / 86_400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** A bucket size in words: "5 min", "1 h". */
export function bucketText(ms: number): string {
  return bucketParam(ms).replace(
    /(\d+)([smhd])$/,
    (_, n: string, u: string) => `${n} ${{ s: "s", m: "min", h: "h", d: "d" }[u]}`,
  );
}

const COUNTER_UNITS = new Set(["Wh", "kWh", "VArh", "kVArh"]);

/** Whether a unit is a meter total (a counter), whose value at the end of a bucket matters, not its average. */
export function isCounter(unit: string | undefined): boolean {
  return unit !== undefined && COUNTER_UNITS.has(unit);
}

/** The value of one bucket as charted and exported: last reading for counters, average otherwise. */
export function bucketValue(point: SeriesPoint, unit: string | undefined): number {
  return isCounter(unit) ? point.last : point.avg;
}

/** Series grouped by unit, in order of first appearance, so quantities with one unit share a chart. */
export function groupByUnit(series: readonly Series[]): Map<string, Series[]> {
  const groups = new Map<string, Series[]>();
  for (const s of series) {
    const unit = s.unitOfMeasurement ?? "unknown";
    groups.set(unit, [...(groups.get(unit) ?? []), s]);
  }
  return groups;
}

/** Chart data: x in seconds, one y array per series. */
export type Aligned = [number[], ...Array<Array<number | null | undefined>>];

/**
 * Aligns series on one time axis. `undefined` fills where another series has a point (uPlot draws
 * across it); `null` marks a real gap in the data (uPlot breaks the line), so an outage stays visible.
 */
export function align(series: readonly Series[], bucketMs: number): Aligned {
  const perSeries = series.map((s) => {
    const map = new Map<number, number | null>();
    const times = s.points.map((p) => Date.parse(p.t));
    // A pause much longer than this series' usual spacing is an outage; shorter ones are its rhythm.
    const gapMs = Math.max(3 * medianStep(times), 5 * bucketMs, 60_000);
    let prev: number | undefined;
    for (const p of s.points) {
      const t = Date.parse(p.t);
      if (prev !== undefined && t - prev > gapMs) map.set(prev + bucketMs, null);
      map.set(t, bucketValue(p, s.unitOfMeasurement));
      prev = t;
    }
    return map;
  });
  const times = [...new Set(perSeries.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  return [
    times.map((t) => t / 1000),
    ...perSeries.map((m) => times.map((t) => (m.has(t) ? m.get(t) : undefined))),
  ];
}

/** The median distance between consecutive times (0 for fewer than two). */
function medianStep(times: readonly number[]): number {
  const steps = times
    .slice(1)
    .map((t, i) => t - (times[i] ?? t))
    .sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)] ?? 0;
}

/** A CSV field, quoted when it holds a separator, quote or line break. */
function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** CSV of the given series: ISO timestamp, then one column per quantity headed `name [unit]`. */
export function toCsv(series: readonly Series[], bucketMs: number): string {
  const [times, ...columns] = align(series, bucketMs);
  const header = ["timestamp", ...series.map((s) => `${s.name ?? s.dataTag} [${s.unitOfMeasurement ?? ""}]`)];
  const lines = [header.map(csvField).join(",")];
  times.forEach((t, i) => {
    const cells = columns.map((c) => {
      const v = c[i];
      return v === null || v === undefined ? "" : String(v);
    });
    // Gap markers exist only for the chart; they carry no value for any column.
    if (cells.every((c) => c === "")) return;
    lines.push([new Date(t * 1000).toISOString(), ...cells].join(","));
  });
  return `${lines.join("\r\n")}\r\n`;
}

/** A file name such as `main-meter-2025-07-01T0000Z-2025-07-02T0000Z.csv`. */
export function csvFileName(sourceName: string, fromMs: number, toMs: number): string {
  const slug =
    sourceName
      .normalize("NFKD")
      .replace(/[^\w\s-]/g, "")
      .trim()
      .replace(/[\s_]+/g, "-")
      .toLowerCase() || "data-source";
  const stamp = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace(":", "")}Z`;
  return `${slug}-${stamp(fromMs)}-${stamp(toMs)}.csv`;
}
