import { t, tn, tParts } from "../i18n/i18n.ts";
import { api } from "../lib/api.ts";
import { h, replace } from "../lib/dom.ts";
import { formatTime, formatUnit, formatValue } from "../lib/format.ts";
import { quantityLabel } from "../lib/quantity-names.ts";
import type { Cleanup } from "../lib/router.ts";
import type { AiidaRecord, Catalogue, DataSource, FeedbackReport, RecordValue } from "../lib/types.ts";
import { FeedbackList } from "./feedback-list.ts";

/** The window over which the message rate is counted. */
const RATE_WINDOW_MS = 60_000;

/**
 * Current value of every quantity, named for the source's role beside its OBIS name, updated from the live
 * stream (SSE), plus message rate and feedback.
 */
export function liveView(
  body: HTMLElement,
  source: DataSource,
  cat: Catalogue,
  onActivity: () => void = () => {},
): Cleanup {
  const status = h("span", { class: "stream-status", "data-state": "connecting" }, t("live.connecting"));
  const rate = h("span", { class: "rate", "data-testid": "message-rate" }, "–");
  const lastAt = h("span", { class: "muted" });
  const tbody = h("tbody");
  const empty = h("p", { class: "empty-values" }, t("live.waiting"));
  const table = h(
    "table",
    { class: "values-table" },
    h("caption", { class: "offscreen" }, t("live.title")),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        [
          t("common.quantity"),
          t("common.obisCode"),
          t("live.column.value"),
          t("live.column.unit"),
          t("live.column.measuredAt"),
        ].map((c) => h("th", { scope: "col" }, c)),
      ),
    ),
    tbody,
  );
  table.hidden = true;
  const feedback = new FeedbackList();
  replace(
    body,
    h(
      "section",
      { class: "card live", "aria-labelledby": "live-title" },
      h("div", { class: "section-head" }, h("h2", { id: "live-title" }, t("live.title")), status),
      h("p", { class: "live-meta" }, tParts<HTMLElement>("live.rate", { rate }), " · ", lastAt),
      empty,
      h("div", { class: "table-wrap" }, table),
    ),
    feedback.element,
  );

  const rows = new Map<string, HTMLTableRowElement>();
  const shownAt = new Map<string, number>();
  const arrivals: Array<{ at: number; rejected: boolean; key: string }> = [];
  // Keep the catalogue's order (energy, then power, …) however values arrive.
  const order = cat.obisCodes.map((o) => o.code);

  const show = (record: AiidaRecord, flash: boolean) => {
    for (const value of record.values) upsertRow(value, record.timestamp, flash);
    empty.hidden = rows.size > 0;
    table.hidden = rows.size === 0;
    replace(lastAt, t("live.lastMessage", { time: formatTime(record.receivedAt) }));
  };
  const upsertRow = (v: RecordValue, at: string, flash: boolean) => {
    // A late or replayed message must not replace a newer value.
    if ((shownAt.get(v.dataTag) ?? Number.NEGATIVE_INFINITY) > Date.parse(at)) return;
    shownAt.set(v.dataTag, Date.parse(at));
    let row = rows.get(v.dataTag);
    if (!row) {
      row = h("tr", { "data-obis": v.dataTag });
      rows.set(v.dataTag, row);
      const rank = (tag: string) => (order.includes(tag) ? order.indexOf(tag) : order.length);
      const after = [...rows.keys()].filter((t) => t !== v.dataTag && rank(t) > rank(v.dataTag));
      const next = after.map((t) => rows.get(t)).find((r) => r?.parentElement === tbody);
      tbody.insertBefore(row, next ?? null);
    }
    replace(
      row,
      h(
        "th",
        { scope: "row" },
        quantityLabel(cat, source.role, v.dataTag, v.name),
        h("span", { class: "sub" }, v.name),
      ),
      h("td", {}, h("code", {}, v.dataTag)),
      h("td", { class: "num value", "data-value": v.value }, formatValue(v.value)),
      h("td", {}, formatUnit(v.unitOfMeasurement)),
      h("td", {}, h("time", { datetime: at }, formatTime(at))),
    );
    if (flash) {
      row.classList.remove("flash");
      void row.offsetWidth; // restart the highlight animation
      row.classList.add("flash");
    }
  };
  const updateRate = () => {
    const since = Date.now() - RATE_WINDOW_MS;
    while ((arrivals[0]?.at ?? Number.POSITIVE_INFINITY) < since) arrivals.shift();
    const rejected = arrivals.filter((a) => a.rejected).length;
    replace(rate, tn("live.perMinute", arrivals.length), rejected > 0 ? tn("live.rejected", rejected) : "");
  };

  let stopped = false;
  const initial = async () => {
    const [page, reports] = await Promise.all([
      api<{ records: AiidaRecord[] }>("GET", `/datasources/${source.id}/records?limit=100`),
      api<FeedbackReport[]>("GET", `/datasources/${source.id}/feedback`),
    ]);
    if (stopped) return;
    // Oldest first, so each quantity ends with its newest value.
    for (const record of [...page.records].reverse()) show(record, false);
    feedback.set(reports);
    // Count what arrived in the last minute before the page opened, so the rate starts right.
    const since = Date.now() - RATE_WINDOW_MS;
    const seen = new Set(arrivals.map((a) => a.key));
    const recent = [
      ...page.records.map((r) => ({
        at: Date.parse(r.receivedAt),
        rejected: false,
        key: `r${r.receivedAt}`,
      })),
      ...reports
        .filter((r) => r.status === "rejected")
        .map((r) => ({ at: Date.parse(r.receivedAt), rejected: true, key: `f${r.receivedAt}` })),
    ].filter((a) => a.at >= since && !seen.has(a.key));
    arrivals.push(...recent);
    arrivals.sort((a, b) => a.at - b.at);
    updateRate();
  };
  void initial().catch(() => {});

  const stream = new EventSource(`/api/datasources/${source.id}/live`);
  stream.addEventListener("open", () => setStatus(status, "live"));
  stream.addEventListener("error", () =>
    setStatus(status, stream.readyState === EventSource.CLOSED ? "closed" : "connecting"),
  );
  stream.addEventListener("record", (event) => {
    const record = JSON.parse((event as MessageEvent<string>).data) as AiidaRecord;
    arrivals.push({ at: Date.now(), rejected: false, key: `r${record.receivedAt}` });
    show(record, true);
    updateRate();
    onActivity();
  });
  stream.addEventListener("feedback", (event) => {
    const report = JSON.parse((event as MessageEvent<string>).data) as FeedbackReport;
    if (report.status === "rejected")
      arrivals.push({ at: Date.now(), rejected: true, key: `f${report.receivedAt}` });
    feedback.add(report);
    updateRate();
    onActivity();
  });
  updateRate();
  const timer = setInterval(updateRate, 2000);
  return () => {
    stopped = true;
    stream.close();
    clearInterval(timer);
  };
}

function setStatus(el: HTMLElement, state: "live" | "connecting" | "closed"): void {
  el.dataset.state = state;
  el.textContent = t(
    ({ live: "live.live", connecting: "live.reconnecting", closed: "live.closed" } as const)[state],
  );
}
