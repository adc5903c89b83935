import { api, messageOf } from "../lib/api.ts";
import { h, replace } from "../lib/dom.ts";
import { formatTime, formatUnit } from "../lib/format.ts";
import {
  align,
  bucketFor,
  bucketParam,
  bucketText,
  csvFileName,
  groupByUnit,
  toCsv,
} from "../lib/history-data.ts";
import { quantityLabel } from "../lib/quantity-names.ts";
import type { Cleanup } from "../lib/router.ts";
import { toast } from "../lib/toast.ts";
import type { Catalogue, DataSource, Series, SeriesResponse } from "../lib/types.ts";
import { type Chart, lineChart } from "./history-chart.ts";
import { quantityPicker } from "./quantity-picker.ts";
import { type Range, rangeFromQuery, rangePicker, rangeToQuery, resolveRange } from "./range-picker.ts";

/** What a chart of one unit shows, in words. */
const UNIT_TITLES: Record<string, string> = {
  kWh: "Energy",
  Wh: "Energy",
  kW: "Power",
  W: "Power",
  kVAr: "Reactive power",
  VAr: "Reactive power",
  kVArh: "Reactive energy",
  VArh: "Reactive energy",
  kVA: "Apparent power",
  VA: "Apparent power",
  A: "Current",
  V: "Voltage",
  Hz: "Frequency",
  none: "Power factor",
};

/** The longest range the hub exports readings for at once (366 days, a leap year). */
const MAX_READINGS_MS = 366 * 86_400_000;
const READINGS_TITLE = "Every reading of the shown range, one row each, with local and UTC times";

/** Charts per unit over a chosen range from the downsampled API, zoomable, with CSV export. */
export function historyView(body: HTMLElement, source: DataSource, cat: Catalogue): Cleanup {
  // Quantities by their plain names for the source's role, where it gives them.
  const nameOf = (s: Series) => quantityLabel(cat, source.role, s.dataTag, s.name);
  let range: Range = rangeFromQuery(location.search);
  let shown: { from: number; to: number; bucketMs: number; series: readonly Series[] } | undefined;
  const zoomStack: Range[] = [];
  let charts: Chart[] = [];
  let request = 0;

  const status = h("p", { class: "history-status", "aria-live": "polite" });
  const chartsEl = h("div", { class: "charts" });
  const quantities = quantityPicker(() => draw(), nameOf);
  const zoomOut = h("button", { type: "button", class: "small" }, "Zoom out");
  const zoomIn = h("button", { type: "button", class: "small" }, "Zoom in");
  const csv = h("button", { type: "button", class: "small" }, "Download chart (CSV)");
  // A link, not a fetch: the hub streams the file and the browser saves it as it comes, however long.
  const readings = h(
    "a",
    {
      class: "button small primary",
      download: "",
      "aria-disabled": "true",
      title: READINGS_TITLE,
    },
    "Download readings (CSV)",
  );
  const picker = rangePicker(range, (r) => {
    zoomStack.length = 0;
    void load(r);
  });
  replace(
    body,
    h(
      "section",
      { class: "card history-controls", "aria-label": "History settings" },
      picker.element,
      quantities.element,
      h(
        "div",
        { class: "history-bar" },
        status,
        h("div", { class: "buttons" }, zoomIn, zoomOut, csv, readings),
      ),
    ),
    chartsEl,
  );

  const zoomTo = (from: number, to: number) => {
    // Charts share the cursor, so one drag selects in every chart: act on the first only.
    if ("from" in range && range.from === from && range.to === to) return;
    zoomStack.push(range);
    void load({ from, to });
  };
  zoomIn.addEventListener("click", () => {
    if (!shown) return;
    const quarter = (shown.to - shown.from) / 4;
    zoomTo(Math.round(shown.from + quarter), Math.round(shown.to - quarter));
  });
  zoomOut.addEventListener("click", () => {
    const previous = zoomStack.pop();
    if (previous) void load(previous);
    else if (shown) {
      const span = shown.to - shown.from;
      void load({ from: shown.from - span / 2, to: Math.min(Date.now(), shown.to + span / 2) });
    }
  });
  csv.addEventListener("click", () => {
    const series = shown ? quantities.selected(shown.series) : [];
    if (shown && series.length > 0) {
      download(toCsv(series, shown.bucketMs), csvFileName(source.name, shown.from, shown.to));
    } else toast("Nothing to export: choose a range and quantities with data.", "error");
  });

  function draw(): void {
    for (const c of charts) c.destroy();
    charts = [];
    if (!shown) return;
    const series = quantities.selected(shown.series);
    const empty =
      shown.series.length === 0
        ? "No data in this range. Choose a longer range or send some data first."
        : series.length === 0
          ? "Choose at least one quantity."
          : undefined;
    if (empty) {
      replace(chartsEl, h("p", { class: "card empty" }, empty));
      return;
    }
    replace(chartsEl);
    for (const [unit, group] of groupByUnit(series)) {
      const target = h("div", { class: "chart-target" });
      const title = `${UNIT_TITLES[unit] ?? "Values"}${formatUnit(unit) ? ` (${formatUnit(unit)})` : ""}`;
      const names = group.map(nameOf).join(", ");
      chartsEl.append(
        h(
          "section",
          { class: "card chart", "data-unit": unit, "aria-label": `${title}: ${names}` },
          h("h3", {}, title),
          target,
        ),
      );
      charts.push(lineChart(target, unit, group, align(group, shown.bucketMs), shown, zoomTo, nameOf));
    }
  }

  async function load(next: Range): Promise<void> {
    range = next;
    picker.show(range);
    history.replaceState(null, "", location.pathname + rangeToQuery(range));
    const { from: start, to } = resolveRange(range);
    const bucketMs = bucketFor(to - start);
    // Start on a whole bucket, so points fall on round times and stay put between reloads.
    const from = Math.floor(start / bucketMs) * bucketMs;
    const mine = ++request;
    chartsEl.setAttribute("aria-busy", "true");
    replace(status, "Loading…");
    try {
      const q = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&bucket=${bucketParam(bucketMs)}`;
      const res = await api<SeriesResponse>("GET", `/datasources/${source.id}/records?${q}`);
      if (mine !== request) return; // a newer range was chosen meanwhile
      shown = { from, to, bucketMs: res.bucketMs, series: res.series };
      if (to - from <= MAX_READINGS_MS) {
        readings.href = readingsUrl(source.id, from, to);
        readings.removeAttribute("aria-disabled");
        readings.title = READINGS_TITLE;
      } else {
        readings.removeAttribute("href");
        readings.setAttribute("aria-disabled", "true");
        readings.title = "Readings download a year or less at a time: choose a shorter range.";
      }
      quantities.set(res.series);
      replace(
        status,
        `${formatTime(from)} – ${formatTime(to)} · one point per ${bucketText(res.bucketMs)}. `,
        h("span", { class: "hint" }, "Drag across a chart to zoom in."),
      );
      draw();
    } catch (err) {
      if (mine === request)
        replace(status, h("span", { class: "form-error", role: "alert" }, messageOf(err)));
    } finally {
      if (mine === request) chartsEl.removeAttribute("aria-busy");
    }
  }

  void load(range);
  return () => {
    request += 1;
    for (const c of charts) c.destroy();
  };
}

/** The hub's CSV of every reading of a data source in [from, to). */
function readingsUrl(id: string, from: number, to: number): string {
  const range = new URLSearchParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  return `/api/datasources/${encodeURIComponent(id)}/records.csv?${range}`;
}

/** Saves text as a file through a temporary object URL. */
function download(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = h("a", { href: url, download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke later: the browser reads the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
