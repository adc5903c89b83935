import { type MessageKey, t } from "../i18n/i18n.ts";
import { api, messageOf } from "../lib/api.ts";
import { dataExtent, startAtData, zoomInWindow } from "../lib/chart-ticks.ts";
import { h, replace } from "../lib/dom.ts";
import { type Period, periodFromQuery } from "../lib/energy-period.ts";
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
import { energyBars } from "./energy-bars.ts";
import { type Chart, lineChart } from "./history-chart.ts";
import { quantityPicker } from "./quantity-picker.ts";
import { type Range, rangeFromQuery, rangePicker, rangeToQuery, resolveRange } from "./range-picker.ts";

/** What a chart of one unit shows, in words (a message key). */
const UNIT_TITLES: Record<string, MessageKey> = {
  kWh: "history.unit.energy",
  Wh: "history.unit.energy",
  kW: "history.unit.power",
  W: "history.unit.power",
  kVAr: "history.unit.reactivePower",
  VAr: "history.unit.reactivePower",
  kVArh: "history.unit.reactiveEnergy",
  VArh: "history.unit.reactiveEnergy",
  kVA: "history.unit.apparentPower",
  VA: "history.unit.apparentPower",
  A: "history.unit.current",
  V: "history.unit.voltage",
  Hz: "history.unit.frequency",
  none: "history.unit.powerFactor",
};

/** The longest range the hub exports readings for at once (366 days, a leap year). */
const MAX_READINGS_MS = 366 * 86_400_000;
/** Phones get the quantity checkboxes folded away, so the first chart is in sight. */
const WIDE_SCREEN = "(min-width:700px)";

/** Sets some of the page's query parameters and drops others, keeping the rest (the bars' and the charts'). */
function updateQuery(set: Record<string, string>, drop: readonly string[]): void {
  const q = new URLSearchParams(location.search);
  for (const name of drop) q.delete(name);
  for (const [name, value] of Object.entries(set)) q.set(name, value);
  const text = q.toString();
  history.replaceState(null, "", location.pathname + (text ? `?${text}` : ""));
}

/**
 * The energy bars per period, then charts per unit over a chosen range from the downsampled API,
 * zoomable, with CSV export.
 */
export function historyView(body: HTMLElement, source: DataSource, cat: Catalogue): Cleanup {
  // Quantities by their plain names for the source's role, where it gives them.
  const nameOf = (s: Series) => quantityLabel(cat, source.role, s.dataTag, s.name);
  let range: Range = rangeFromQuery(location.search);
  let shown: { from: number; to: number; bucketMs: number; series: readonly Series[] } | undefined;
  const zoomStack: Range[] = [];
  let charts: Chart[] = [];
  let request = 0;

  const readingsTitle = t("history.readingsTitle");
  const bars = energyBars(source, cat, periodFromQuery(location.search), (p: Period) =>
    updateQuery({ period: p.kind, date: p.from }, []),
  );
  const status = h("p", { class: "history-status", "aria-live": "polite" });
  const chartsEl = h("div", { class: "charts" });
  const quantities = quantityPicker(() => draw(), nameOf);
  // The picker's many checkboxes fold into one line ("Quantities (3 of 12 shown)"), open on wide screens.
  const quantitiesSummary = h("summary", {});
  const quantitiesFold = h(
    "details",
    { class: "quantities-fold", open: matchMedia(WIDE_SCREEN).matches },
    quantitiesSummary,
    quantities.element,
  );
  quantitiesFold.hidden = true;
  const zoomOut = h("button", { type: "button", class: "small" }, t("history.zoomOut"));
  const zoomIn = h("button", { type: "button", class: "small" }, t("history.zoomIn"));
  const csv = h("button", { type: "button", class: "small" }, t("history.downloadChart"));
  // A link, not a fetch: the hub streams the file and the browser saves it as it comes, however long.
  const readings = h(
    "a",
    {
      class: "button small primary",
      download: "",
      "aria-disabled": "true",
      title: readingsTitle,
    },
    t("history.downloadReadings"),
  );
  const picker = rangePicker(range, (r) => {
    zoomStack.length = 0;
    void load(r);
  });
  replace(
    body,
    bars.element,
    h(
      "section",
      { class: "card history-controls", "aria-label": t("history.settings") },
      picker.element,
      quantitiesFold,
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
    // Around the data present: the middle of the range may be empty.
    const window = zoomInWindow(shown, dataExtent(quantities.selected(shown.series)));
    zoomTo(window.from, window.to);
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
    } else toast(t("history.nothingToExport"), "error");
  });

  function draw(): void {
    for (const c of charts) c.destroy();
    charts = [];
    if (!shown) return;
    const series = quantities.selected(shown.series);
    quantitiesFold.hidden = shown.series.length === 0;
    replace(
      quantitiesSummary,
      t("history.quantitiesShown", { shown: series.length, total: shown.series.length }),
    );
    const empty =
      shown.series.length === 0
        ? t("history.noData")
        : series.length === 0
          ? t("history.chooseQuantity")
          : undefined;
    if (empty) {
      replace(chartsEl, h("p", { class: "card empty" }, empty));
      return;
    }
    replace(chartsEl);
    for (const [unit, group] of groupByUnit(series)) {
      const target = h("div", { class: "chart-target" });
      const title = `${t(UNIT_TITLES[unit] ?? "history.unit.values")}${formatUnit(unit) ? ` (${formatUnit(unit)})` : ""}`;
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

  async function load(next: Range, startAt?: number): Promise<void> {
    range = next;
    picker.show(range);
    updateQuery(Object.fromEntries(new URLSearchParams(rangeToQuery(range))), ["range", "from", "to"]);
    const resolved = resolveRange(range);
    const to = resolved.to;
    const start = startAt ?? resolved.from;
    const bucketMs = bucketFor(to - start);
    // Start on a whole bucket, so points fall on round times and stay put between reloads.
    const from = Math.floor(start / bucketMs) * bucketMs;
    const mine = ++request;
    chartsEl.setAttribute("aria-busy", "true");
    replace(status, t("common.loading"));
    try {
      const q = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&bucket=${bucketParam(bucketMs)}`;
      const res = await api<SeriesResponse>("GET", `/datasources/${source.id}/records?${q}`);
      if (mine !== request) return; // a newer range was chosen meanwhile
      // A source younger than a preset range: show it from its first data, not as a sliver at the end.
      const later =
        "preset" in range && startAt === undefined
          ? startAtData(from, to, dataExtent(res.series)?.first)
          : undefined;
      if (later !== undefined) {
        void load(range, later);
        return;
      }
      shown = { from, to, bucketMs: res.bucketMs, series: res.series };
      if (to - from <= MAX_READINGS_MS) {
        readings.href = readingsUrl(source.id, from, to);
        readings.removeAttribute("aria-disabled");
        readings.title = readingsTitle;
      } else {
        readings.removeAttribute("href");
        readings.setAttribute("aria-disabled", "true");
        readings.title = t("history.readingsTooLong");
      }
      quantities.set(res.series);
      replace(
        status,
        t("history.shown", { from: formatTime(from), to: formatTime(to), bucket: bucketText(res.bucketMs) }),
        " ",
        h("span", { class: "hint" }, t("history.dragHint")),
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
    bars.destroy();
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
