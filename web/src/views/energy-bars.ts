import { currentLocale, t } from "../i18n/i18n.ts";
import { api, messageOf } from "../lib/api.ts";
import { valueLabels, zoneName } from "../lib/chart-ticks.ts";
import { h, replace } from "../lib/dom.ts";
import {
  BAR_INTERVAL,
  energyQuery,
  isoWeek,
  PERIOD_KINDS,
  type Period,
  type PeriodKind,
  periodOf,
  shiftPeriod,
} from "../lib/energy-period.ts";
import { displayZone, formatValue } from "../lib/format.ts";
import { localDate } from "../lib/local-day.ts";
import { quantityLabel } from "../lib/quantity-names.ts";
import type { Catalogue, DataSource } from "../lib/types.ts";

/** One direction's energy in an interval, as GET /api/datasources/{id}/energy answers it. */
interface Flow {
  readonly kWh: number | null;
  readonly completeness: number;
}

/** The part of the energy answer the bars read. */
interface EnergyAnswer {
  readonly quantities: ReadonlyArray<{ readonly obis: string; readonly name: string }>;
  readonly intervals: ReadonlyArray<{
    readonly start: string;
    readonly end: string;
    readonly import: Flow | null;
    readonly export: Flow | null;
  }>;
}

/** The total registers whose role names the two directions ("Grid import", "Feed-in"). */
const DIRECTIONS = [
  { key: "import", obis: "1-0:1.8.0", fallback: "POSITIVE_ACTIVE_ENERGY", colour: "#2f6fde" },
  { key: "export", obis: "1-0:2.8.0", fallback: "NEGATIVE_ACTIVE_ENERGY", colour: "#d9730d" },
] as const;

const SVG_NS = "http://www.w3.org/2000/svg";
/** The drawing's width in its own units; it scales to the card's width. */
const WIDTH = 720;
/** Text size in screen pixels, kept on a phone by scaling it to the drawing's units. */
const FONT_PX = 12;

function svg(tag: string, attrs: Record<string, string | number>, ...children: Array<Node | string>) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  el.append(...children);
  return el;
}

/** A bar's or a row's interval in words, by the bars' interval: "14:00", "Mon 23 Nov", "November". */
function intervalFormats(kind: PeriodKind, zone: string) {
  const locale = currentLocale();
  const interval = BAR_INTERVAL[kind];
  const options: Intl.DateTimeFormatOptions =
    interval === "hour"
      ? { hour: "2-digit", minute: "2-digit" }
      : interval === "day"
        ? { weekday: "short", day: "numeric", month: "short" }
        : { month: "long", year: "numeric" };
  const short: Intl.DateTimeFormatOptions =
    interval === "hour" ? { hour: "2-digit" } : interval === "day" ? { day: "numeric" } : { month: "short" };
  return {
    long: new Intl.DateTimeFormat(locale, { ...options, timeZone: zone }),
    short: new Intl.DateTimeFormat(locale, { ...short, timeZone: zone }),
  };
}

/** A period's name in the locale: "Monday, 23 November 2026", "Week 48, 2026", "November 2026", "2026". */
export function periodName(period: Period): string {
  // The period's dates are calendar dates: format them at UTC noon, in UTC, to stay on that date.
  const at = new Date(`${period.from}T12:00:00Z`);
  const locale = currentLocale();
  switch (period.kind) {
    case "day":
      return new Intl.DateTimeFormat(locale, { dateStyle: "full", timeZone: "UTC" }).format(at);
    case "week": {
      const { week, year } = isoWeek(period.from);
      return t("energy.weekName", { week, year });
    }
    case "month":
      return new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" }).format(at);
    case "year":
      return new Intl.DateTimeFormat(locale, { year: "numeric", timeZone: "UTC" }).format(at);
  }
}

/** A rounded maximum for the value axis and its ticks (about four). */
function niceTicks(max: number): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  const count = Math.ceil(max / step - 1e-9);
  return Array.from({ length: count + 1 }, (_, i) => Math.round(i * step * 1e9) / 1e9);
}

/**
 * Energy per period as bars: kWh imported and exported per hour of a day, per day of a week or month,
 * per month of a year, in the hub's zone; previous/next buttons page through periods. Intervals with
 * only part of their time covered by data are hatched and say so; a table lists every value for screen
 * readers.
 */
export function energyBars(
  source: DataSource,
  cat: Catalogue,
  initial: Period | undefined,
  onPeriod: (p: Period) => void,
) {
  const zone = displayZone();
  let period = initial ?? periodOf("week", localDate(Date.now(), zone));
  let request = 0;

  const heading = h("h3", { class: "energy-period", "aria-live": "polite" });
  const previous = h("button", { type: "button", class: "small" });
  const next = h("button", { type: "button", class: "small" });
  const status = h("p", { class: "energy-status" });
  const figure = h("div", { class: "energy-figure" });
  const radios = PERIOD_KINDS.map((kind) => {
    const input = h("input", {
      type: "radio",
      name: "energy-period",
      value: kind,
      id: `energy-${kind}`,
      checked: kind === period.kind,
    });
    input.addEventListener("change", () => {
      // The new kind's period around the first day of the one shown, so a week of November opens November.
      if (input.checked)
        show(periodOf(kind, period.kind === "year" ? localDate(Date.now(), zone) : period.from));
    });
    return h(
      "span",
      { class: "segment" },
      input,
      h("label", { for: `energy-${kind}` }, t(`energy.kind.${kind}`)),
    );
  });
  previous.addEventListener("click", () => show(shiftPeriod(period, -1)));
  next.addEventListener("click", () => show(shiftPeriod(period, 1)));

  const element = h(
    "section",
    { class: "card energy-bars", "aria-labelledby": "energy-title" },
    h("h2", { id: "energy-title" }, t("energy.title")),
    h("fieldset", { class: "segments" }, h("legend", {}, t("energy.periodKind")), radios),
    h("div", { class: "energy-nav" }, previous, heading, next),
    status,
    figure,
  );

  function show(p: Period): void {
    period = p;
    onPeriod(p);
    void load();
  }

  async function load(): Promise<void> {
    const mine = ++request;
    const name = periodName(period);
    heading.textContent = name;
    previous.textContent = `‹ ${t(`energy.previous.${period.kind}`)}`;
    next.textContent = `${t(`energy.next.${period.kind}`)} ›`;
    // A period that has not begun has no energy yet.
    next.disabled = period.to > localDate(Date.now(), zone);
    status.textContent = t("common.loading");
    figure.setAttribute("aria-busy", "true");
    try {
      const answer = await api<EnergyAnswer>(
        "GET",
        `/datasources/${source.id}/energy?${energyQuery(period, zone)}`,
      );
      if (mine !== request) return; // another period was chosen meanwhile
      status.textContent = t("energy.zone", {
        zone: zoneName(zone, Date.parse(`${period.from}T12:00:00Z`), currentLocale()),
      });
      replace(figure, draw(answer, name));
    } catch (err) {
      if (mine === request)
        replace(status, h("span", { class: "form-error", role: "alert" }, messageOf(err)));
    } finally {
      if (mine === request) figure.removeAttribute("aria-busy");
    }
  }

  function draw(answer: EnergyAnswer, name: string): Node {
    const obisName = (obis: string, fallback: string) =>
      quantityLabel(cat, source.role, obis, answer.quantities.find((q) => q.obis === obis)?.name ?? fallback);
    const shown = DIRECTIONS.filter((d) => answer.intervals.some((i) => i[d.key]?.kWh != null));
    if (shown.length === 0) return h("p", { class: "empty" }, t("energy.empty"));
    const names = shown.map((d) => obisName(d.obis, d.fallback));
    const formats = intervalFormats(period.kind, zone);
    const max = Math.max(0, ...answer.intervals.flatMap((i) => shown.map((d) => i[d.key]?.kWh ?? 0)));
    const ticks = niceTicks(max);
    const top = ticks[ticks.length - 1] ?? 1;
    // Drawing units per screen pixel: on a phone's narrow card, text, margins and height keep their size.
    const scale = WIDTH / Math.max(280, figure.clientWidth || WIDTH);
    const height = Math.max(240, 220 * scale);
    const plot = { left: 48 * scale, right: 8, top: 24 * scale, bottom: 22 * scale };
    const plotW = WIDTH - plot.left - plot.right;
    const plotH = height - plot.top - plot.bottom;
    const slot = plotW / Math.max(1, answer.intervals.length);
    const barW = (slot * 0.8) / shown.length;
    const y = (kWh: number) => plot.top + plotH - (kWh / top) * plotH;
    const text = "currentColor";

    const defs = svg(
      "defs",
      {},
      ...shown.map((d) =>
        svg(
          "pattern",
          {
            id: `hatch-${d.key}`,
            width: 6,
            height: 6,
            patternUnits: "userSpaceOnUse",
            patternTransform: "rotate(45)",
          },
          svg("rect", { width: 6, height: 6, fill: d.colour, "fill-opacity": 0.25 }),
          svg("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: d.colour, "stroke-width": 3 }),
        ),
      ),
    );
    const axis = valueLabels(ticks, currentLocale()).map((label, i) => {
      const at = y(ticks[i] ?? 0);
      return svg(
        "g",
        {},
        svg("line", { x1: plot.left, x2: WIDTH - plot.right, y1: at, y2: at, class: "energy-grid" }),
        svg("text", { x: plot.left - 6 * scale, y: at + 4 * scale, "text-anchor": "end", fill: text }, label),
      );
    });
    // About one label per 36 screen pixels, so 31 days or 24 hours never overlap.
    const labelEvery = Math.ceil(answer.intervals.length / Math.max(4, Math.floor(WIDTH / scale / 36)));
    const bars = answer.intervals.map((interval, k) => {
      const start = new Date(interval.start);
      const when = formats.long.format(start);
      const x0 = plot.left + k * slot + slot * 0.1;
      const group = svg("g", { class: "energy-interval" });
      shown.forEach((d, j) => {
        const flow = interval[d.key];
        if (flow?.kWh == null) return;
        const partial = flow.completeness < 1;
        const tip = t(partial ? "energy.barPartial" : "energy.bar", {
          interval: when,
          name: names[j] ?? "",
          value: `${formatValue(flow.kWh)} kWh`,
          share: percent(flow.completeness),
        });
        group.append(
          svg(
            "rect",
            {
              x: x0 + j * barW,
              y: y(flow.kWh),
              width: Math.max(1, barW - 1),
              height: Math.max(0, y(0) - y(flow.kWh)),
              fill: partial ? `url(#hatch-${d.key})` : d.colour,
              stroke: d.colour,
              class: partial ? "bar partial" : "bar",
            },
            svg("title", {}, tip),
          ),
        );
      });
      if (k % labelEvery === 0)
        group.append(
          svg(
            "text",
            { x: x0 + (slot * 0.8) / 2, y: height - 6 * scale, "text-anchor": "middle", fill: text },
            formats.short.format(start),
          ),
        );
      return group;
    });
    const chart = svg(
      "svg",
      {
        viewBox: `0 0 ${WIDTH} ${height}`,
        class: "energy-chart",
        "aria-hidden": "true",
        focusable: "false",
        "font-size": FONT_PX * scale,
      },
      defs,
      ...axis,
      svg("text", { x: 4, y: plot.top - 4 * scale, fill: text }, "kWh"),
      ...bars,
    );
    const anyPartial = answer.intervals.some((i) =>
      shown.some((d) => (i[d.key]?.completeness ?? 1) < 1 && i[d.key]?.kWh != null),
    );
    const legend = h(
      "ul",
      { class: "energy-legend" },
      shown.map((d, j) =>
        h("li", {}, h("span", { class: "swatch", style: `background:${d.colour}` }), names[j]),
      ),
      anyPartial && h("li", {}, h("span", { class: "swatch hatched" }), t("energy.partialLegend")),
    );
    const unitHeader = (n: string) => `${n} (kWh)`;
    const table = h(
      "table",
      { class: "sr-only energy-table" },
      h("caption", {}, t("energy.caption", { period: name })),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t(`energy.column.${BAR_INTERVAL[period.kind]}`)),
          names.map((n) => h("th", { scope: "col" }, unitHeader(n))),
          h("th", { scope: "col" }, t("energy.column.coverage")),
        ),
      ),
      h(
        "tbody",
        {},
        answer.intervals.map((interval) => {
          const flows = shown.map((d) => interval[d.key]);
          const coverage = Math.min(...flows.map((f) => f?.completeness ?? 0));
          return h(
            "tr",
            {},
            h("th", { scope: "row" }, formats.long.format(new Date(interval.start))),
            flows.map((f) => h("td", {}, f?.kWh == null ? "–" : formatValue(f.kWh))),
            h("td", {}, percent(coverage)),
          );
        }),
      ),
    );
    return h("div", {}, chart, legend, table);
  }

  void load();
  return {
    element,
    destroy() {
      request += 1;
    },
  };
}

/** A share as a whole percentage in the locale ("80 %"). */
function percent(share: number): string {
  return new Intl.NumberFormat(currentLocale(), { style: "percent", maximumFractionDigits: 0 }).format(share);
}
