import { t, tValue } from "../i18n/i18n.ts";
import { api, messageOf } from "../lib/api.ts";
import { h, replace } from "../lib/dom.ts";
import { formatCount, formatTime, timeAgo } from "../lib/format.ts";
import { roleText } from "../lib/quantity-names.ts";
import { type Cleanup, navigate } from "../lib/router.ts";
import type { DataSource } from "../lib/types.ts";
import { showCredentials } from "./credentials-dialog.ts";
import { connectedBadge, healthBadge } from "./health-badge.ts";
import { openSourceForm } from "./source-form.ts";

/** The table's columns, by the end of their message key (`sources.column.<name>`). */
const COLUMNS = [
  "name",
  "type",
  "asset",
  "role",
  "enabled",
  "health",
  "connection",
  "lastMessage",
  "accepted",
  "rejected",
] as const;

/** How often the list refreshes health, counters and "last message". */
const REFRESH_MS = 5000;

/** The list of data sources with their health, and the button to add one. */
export function sourcesView(main: HTMLElement): Cleanup {
  document.title = t("sources.documentTitle");
  const body = h(
    "div",
    { class: "sources-body", "aria-busy": "true" },
    h("p", { class: "muted" }, t("common.loading")),
  );
  const add = h("button", { type: "button", class: "primary" }, t("sources.add"));
  add.addEventListener("click", async () => {
    const created = await openSourceForm();
    if (!created) return;
    await showCredentials(created.name, created.credentials, "created");
    navigate(`/sources/${created.id}`);
  });
  replace(
    main,
    h("div", { class: "page-head" }, h("h1", {}, t("sources.title")), add),
    h("p", { class: "muted intro" }, t("sources.intro")),
    body,
  );

  let last = "";
  let stopped = false;
  const refresh = async () => {
    try {
      const sources = await api<DataSource[]>("GET", "/datasources");
      const key = JSON.stringify(sources);
      if (stopped || key === last) return;
      last = key;
      renderList(body, sources, add);
    } catch (err) {
      if (!stopped) replace(body, h("p", { class: "form-error", role: "alert" }, messageOf(err)));
    } finally {
      body.removeAttribute("aria-busy");
    }
  };
  void refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

function renderList(body: HTMLElement, sources: readonly DataSource[], add: HTMLButtonElement): void {
  if (sources.length === 0) {
    const start = h("button", { type: "button", class: "link-button" }, t("sources.addFirst"));
    start.addEventListener("click", () => add.click());
    replace(body, h("div", { class: "empty card" }, h("p", {}, t("sources.empty")), start));
    return;
  }
  // The list is rebuilt on refresh; put keyboard focus back where it was.
  const focused = document.activeElement?.getAttribute("data-key");
  const now = Date.now();
  const column = (name: (typeof COLUMNS)[number]) => t(`sources.column.${name}` as const);
  const headers = COLUMNS.map(column);
  const table = h(
    "table",
    { class: "sources-table" },
    h("caption", { class: "offscreen" }, t("sources.caption")),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        headers.map((name) => h("th", { scope: "col" }, name)),
      ),
    ),
    h(
      "tbody",
      {},
      sources.map((s) => {
        const badge = healthBadge(s.health);
        badge.dataset.key = `health-${s.id}`;
        return h(
          "tr",
          { "data-source-id": s.id, class: s.enabled ? "" : "is-disabled" },
          h(
            "th",
            { scope: "row", "data-label": column("name") },
            h("a", { href: `/sources/${s.id}`, "data-key": `name-${s.id}` }, s.name),
            s.meterId && h("span", { class: "sub" }, t("common.meter", { id: s.meterId })),
          ),
          h("td", { "data-label": column("type") }, s.type),
          h("td", { "data-label": column("asset") }, tValue("asset", s.asset)),
          h("td", { "data-label": column("role") }, roleText(s.role)),
          h(
            "td",
            { "data-label": column("enabled") },
            s.enabled ? t("sources.yes") : h("span", { class: "off" }, t("sources.no")),
          ),
          h("td", { "data-label": column("health") }, badge),
          h("td", { "data-label": column("connection") }, connectedBadge(s.health)),
          h(
            "td",
            { "data-label": column("lastMessage") },
            s.health.lastMessageAt === null
              ? h("span", { class: "muted" }, t("time.never"))
              : h(
                  "time",
                  { datetime: s.health.lastMessageAt, title: formatTime(s.health.lastMessageAt) },
                  timeAgo(s.health.lastMessageAt, now),
                ),
          ),
          h("td", { "data-label": column("accepted"), class: "num" }, formatCount(s.stats.messagesAccepted)),
          h(
            "td",
            {
              "data-label": column("rejected"),
              class: `num${s.stats.messagesRejected > 0 ? " has-rejected" : ""}`,
            },
            formatCount(s.stats.messagesRejected),
          ),
        );
      }),
    ),
  );
  replace(body, h("div", { class: "table-wrap" }, table));
  if (focused) body.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus();
}
