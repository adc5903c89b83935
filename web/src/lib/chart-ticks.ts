/**
 * Axis labels and zoom windows of the power charts, pure so they can be tested: labels never repeat
 * (two ticks with the same text tell the reader nothing), and zooming keeps the data in view.
 */

/** Whether every value is written exactly with so many decimals (ticks are multiples of a round step). */
function exactWith(values: readonly number[], digits: number): boolean {
  const scale = 10 ** digits;
  return values.every(
    (v) => Math.abs(v * scale - Math.round(v * scale)) < 1e-6 * Math.max(1, Math.abs(v * scale)),
  );
}

/**
 * Labels for value ticks with the fewest decimals (0 to 10) that write every tick exactly (so 0.5 is
 * never rounded to "1") and no two the same.
 */
export function valueLabels(ticks: readonly number[], locale: string): string[] {
  let labels: string[] = [];
  for (let digits = 0; digits <= 10; digits++) {
    if (!exactWith(ticks, digits) && digits < 10) continue;
    const format = new Intl.NumberFormat(locale, {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    // -0 would print as "-0" beside "0".
    labels = ticks.map((v) => format.format(v === 0 ? 0 : v));
    if (new Set(labels).size === labels.length) return labels;
  }
  return labels;
}

/** How finely a time label is written: the date, the minute, or the second. */
type TimeGrain = "day" | "minute" | "second";
const GRAINS: readonly TimeGrain[] = ["day", "minute", "second"];

/**
 * Labels for time ticks (epoch seconds) in a zone: dates when ticks are days apart, else the clock to
 * the minute, or to the second when ticks are under a minute apart, with the date under the first tick
 * of each day. A finer grain is taken whenever two labels of one day would still be the same.
 */
export function timeLabels(ticks: readonly number[], zone: string, locale: string): string[] {
  const steps = ticks.slice(1).map((t, i) => t - (ticks[i] ?? t));
  const step = steps.length === 0 ? 60 : Math.min(...steps);
  const first: TimeGrain = step >= 86_400 ? "day" : step >= 60 ? "minute" : "second";
  const day = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone: zone });
  let labels: string[] = [];
  for (const grain of GRAINS.slice(GRAINS.indexOf(first))) {
    const clock = new Intl.DateTimeFormat(locale, {
      hour: "2-digit",
      minute: "2-digit",
      ...(grain === "second" && { second: "2-digit" }),
      timeZone: zone,
    });
    labels = ticks.map((tick, i) => {
      const d = new Date(tick * 1000);
      if (grain === "day") return day.format(d);
      const prev = ticks[i - 1];
      const newDay = prev === undefined || day.format(new Date(prev * 1000)) !== day.format(d);
      return newDay ? `${clock.format(d)}\n${day.format(d)}` : clock.format(d);
    });
    // The same clock on another day is another moment: labels must differ within a day.
    const moments = ticks.map((tick, i) => `${day.format(new Date(tick * 1000))} ${labels[i]}`);
    if (new Set(moments).size === moments.length) return labels;
  }
  return labels;
}

/**
 * The window "Zoom in" shows: half the shown span, centred on the middle of the data present (not the
 * middle of the range, which may be empty), kept inside the shown range.
 */
export function zoomInWindow(
  shown: { readonly from: number; readonly to: number },
  data: { readonly first: number; readonly last: number } | undefined,
): { from: number; to: number } {
  const span = (shown.to - shown.from) / 2;
  const centre = data === undefined ? (shown.from + shown.to) / 2 : (data.first + data.last) / 2;
  const from = Math.min(Math.max(shown.from, centre - span / 2), shown.to - span);
  return { from: Math.round(from), to: Math.round(from + span) };
}

/**
 * Where a preset range ("Last day") should start for a source whose data begins later than it: at the
 * first data, a whole minute before it, so minutes of a new source fill the chart instead of a sliver.
 * Undefined when the data starts within the first tenth of the range (nothing to gain).
 */
export function startAtData(from: number, to: number, firstData: number | undefined): number | undefined {
  if (firstData === undefined || firstData - from <= (to - from) / 10) return undefined;
  const start = Math.floor(firstData / 60_000) * 60_000 - 60_000;
  return start < to ? start : undefined;
}

/** The first and last instant (ms) with data among series of points, or undefined when there is none. */
export function dataExtent(
  series: ReadonlyArray<{ readonly points: ReadonlyArray<{ readonly t: string }> }>,
): { first: number; last: number } | undefined {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    const a = s.points[0];
    const b = s.points[s.points.length - 1];
    if (a) first = Math.min(first, Date.parse(a.t));
    if (b) last = Math.max(last, Date.parse(b.t));
  }
  return first <= last ? { first, last } : undefined;
}

/** The short name of a zone at an instant in a locale ("CET", "MESZ", "UTC+1"), to write beside times. */
export function zoneName(zone: string, at: number, locale: string): string {
  const part = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: "short" })
    .formatToParts(at)
    .find((p) => p.type === "timeZoneName");
  return part?.value ?? zone;
}
