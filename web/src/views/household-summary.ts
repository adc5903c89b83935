import { currentLocale, type MessageKey, t } from "../i18n/i18n.ts";
import { h } from "../lib/dom.ts";
import { formatQuantity } from "../lib/format.ts";
import type { HouseholdBalance } from "../lib/household-balance.ts";

const percent = () => new Intl.NumberFormat(currentLocale(), { style: "percent", maximumFractionDigits: 0 });

/** One figure of the summary: its name, its value with unit, or a dash when it is not known. */
function figure(key: MessageKey, value: number | undefined, unit: string, flow: string): HTMLElement {
  return h(
    "div",
    { class: "figure", "data-figure": flow },
    h("dt", {}, t(key)),
    h("dd", {}, value === undefined ? "–" : formatQuantity(value, unit)),
  );
}

function rate(key: MessageKey, value: number | undefined, flow: string): HTMLElement | undefined {
  if (value === undefined) return undefined;
  return h(
    "div",
    { class: "figure", "data-figure": flow },
    h("dt", {}, t(key)),
    h("dd", {}, percent().format(value)),
  );
}

/** The household's balance now (kW) and today (kWh), with self-consumption and autarky when there is solar. */
export function householdSummary(now: HouseholdBalance, today: HouseholdBalance): Array<HTMLElement> {
  const hasSolar = now.solar !== undefined;
  const hasGrid = now.gridImport !== undefined;
  const figures = (b: HouseholdBalance, unit: string) =>
    [
      hasGrid ? figure("household.home", b.home, unit, "home") : undefined,
      hasGrid ? figure("household.gridImport", b.gridImport, unit, "grid-import") : undefined,
      hasGrid ? figure("household.feedIn", b.feedIn, unit, "feed-in") : undefined,
      hasSolar ? figure("household.solar", b.solar, unit, "solar") : undefined,
      b.batteryCharge !== undefined
        ? figure("household.batteryCharge", b.batteryCharge, unit, "battery-charge")
        : undefined,
      b.batteryDischarge !== undefined
        ? figure("household.batteryDischarge", b.batteryDischarge, unit, "battery-discharge")
        : undefined,
    ].filter((f) => f !== undefined);
  const rates = hasSolar
    ? [
        rate("household.selfConsumption", today.selfConsumption, "self-consumption"),
        rate("household.autarky", today.autarky, "autarky"),
      ]
    : [];
  return [
    h("h2", { id: "household-heading" }, t("household.title")),
    h(
      "div",
      { class: "household-columns" },
      h(
        "div",
        { class: "card", "data-period": "now" },
        h("h3", {}, t("household.now")),
        h("dl", {}, figures(now, "kW")),
      ),
      h(
        "div",
        { class: "card", "data-period": "today" },
        h("h3", {}, t("household.today")),
        h("dl", {}, figures(today, "kWh"), rates),
      ),
    ),
    now.complete && today.complete ? undefined : h("p", { class: "muted" }, t("household.incomplete")),
  ].filter((e) => e !== undefined);
}
