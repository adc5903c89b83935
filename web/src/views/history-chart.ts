import uPlot from "uplot";
import { currentLocale, t } from "../i18n/i18n.ts";
import { timeLabels, valueLabels, zoneName } from "../lib/chart-ticks.ts";
import { displayZone, formatTime, formatUnit, formatValue } from "../lib/format.ts";
import type { Aligned } from "../lib/history-data.ts";
import type { Series } from "../lib/types.ts";

/** Line colours that keep their contrast on both the light and the dark background. */
const PALETTE = ["#2f6fde", "#d9730d", "#0f9d6a", "#d1367a", "#8250df", "#0b8fb3", "#c93c37", "#6b8e23"];

/** A drawn chart; destroy it when the page changes. */
export interface Chart {
  destroy(): void;
}

/** Time axis labels in the reader's locale and the hub's zone, never two alike within a day. */
function timeTicks(zone: string): (u: uPlot, ticks: number[]) => string[] {
  return (_u, ticks) => timeLabels(ticks, zone, currentLocale());
}

/** Charts of one page share the cursor, so hovering one shows the same moment in all. */
const SYNC_KEY = "aiida-history";

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/**
 * A zoomable line chart of quantities with one unit, each named by `nameOf`. Dragging across it selects a
 * time span, handed to `onZoom` (the view then fetches that span at a finer resolution).
 */
export function lineChart(
  target: HTMLElement,
  unit: string,
  series: readonly Series[],
  data: Aligned,
  range: { readonly from: number; readonly to: number },
  onZoom: (fromMs: number, toMs: number) => void,
  nameOf: (s: Series) => string,
): Chart {
  const text = cssVar("--text-muted", "#666");
  const grid = cssVar("--grid", "#ddd");
  const axis = (label: string): uPlot.Axis => ({
    stroke: text,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
    ...(label && { label }),
  });
  const shownUnit = formatUnit(unit);
  const zone = displayZone();
  const options: uPlot.Options = {
    width: Math.max(280, target.clientWidth),
    height: heightFor(target.clientWidth),
    cursor: { drag: { x: true, y: false, setScale: false }, sync: { key: SYNC_KEY } },
    // The whole chosen range, not just the span with data: a gap at either end is information too.
    scales: { x: { time: true, range: () => [range.from / 1000, range.to / 1000] } },
    // Ticks fall on whole hours and days of the zone the labels are written in.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
    series: [
      {
        label: t("chart.time"),
        value: (_u, v) => (v === null || v === undefined ? "–" : formatTime(v * 1000)),
      },
      ...series.map(
        (s, i): uPlot.Series => ({
          label: nameOf(s),
          stroke: PALETTE[i % PALETTE.length] ?? "#2f6fde",
          width: 2,
          spanGaps: false,
          value: (_u, v) => (v === null || v === undefined ? "–" : `${formatValue(v)} ${shownUnit}`.trim()),
        }),
      ),
    ],
    axes: [
      // The time axis names its zone ("Time (CET)"): the charts' times are the hub's, not the browser's.
      {
        ...axis(t("chart.timeIn", { zone: zoneName(zone, range.to, currentLocale()) })),
        values: timeTicks(zone),
        size: 50,
      },
      { ...axis(shownUnit), size: 64, values: (_u, ticks) => valueLabels(ticks, currentLocale()) },
    ],
    hooks: {
      setSelect: [
        (u) => {
          if (u.select.width < 4) return;
          const from = u.posToVal(u.select.left, "x");
          const to = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          onZoom(Math.round(from * 1000), Math.round(to * 1000));
        },
      ],
    },
  };
  const chart = new uPlot(options, data as uPlot.AlignedData, target);
  // Resize in the next frame: resizing inside the observer's callback would trigger it again at once.
  let frame = 0;
  const resize = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      const width = Math.max(280, target.clientWidth);
      if (width !== chart.width) chart.setSize({ width, height: heightFor(width) });
    });
  });
  resize.observe(target);
  return {
    destroy() {
      cancelAnimationFrame(frame);
      resize.disconnect();
      chart.destroy();
    },
  };
}

/** Shorter charts on phones, so two fit on a screen. */
function heightFor(width: number): number {
  return width < 500 ? 200 : 280;
}
