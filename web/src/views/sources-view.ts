import { api, messageOf } from "../lib/api.ts";
import { h, replace } from "../lib/dom.ts";
import { formatCount, formatTime, humanize, timeAgo } from "../lib/format.ts";
import { roleText } from "../lib/quantity-names.ts";
import { type Cleanup, navigate } from "../lib/router.ts";
import type { DataSource } from "../lib/types.ts";
import { showCredentials } from "./credentials-dialog.ts";
import { connectedBadge, healthBadge } from "./health-badge.ts";
import { openSourceForm } from "./source-form.ts";

/** How often the list refreshes health, counters and "last message". */
const REFRESH_MS = 5000;

/** The list of data sources with their health, and the button to add one. */
export function sourcesView(main: HTMLElement): Cleanup {
  document.title = "Data sources · aiida-hub";
  const body = h(
    "div",
    { class: "sources-body", "aria-busy": "true" },
    h("p", { class: "muted" }, "Loading…"),
  );
  const add = h("button", { type: "button", class: "primary" }, "+ Add data source");
  add.addEventListener("click", async () => {
    const created = await openSourceForm();
    if (!created) return;
    await showCredentials(created.name, created.credentials, "created");
    navigate(`/sources/${created.id}`);
  });
  replace(
    main,
    h("div", { class: "page-head" }, h("h1", {}, "Data sources"), add),
    h(
      "p",
      { class: "muted intro" },
      "Each meter or device that sends data to this hub is a data source. Add one to get the login your device needs.",
    ),
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
    const start = h("button", { type: "button", class: "link-button" }, "Add your first data source");
    start.addEventListener("click", () => add.click());
    replace(body, h("div", { class: "empty card" }, h("p", {}, "No data sources yet."), start));
    return;
  }
  // The list is rebuilt on refresh; put keyboard focus back where it was.
  const focused = document.activeElement?.getAttribute("data-key");
  const now = Date.now();
  const headers = [
    "Name",
    "Type",
    "Asset",
    "Role",
    "Enabled",
    "Health",
    "Connection",
    "Last message",
    "Accepted",
    "Rejected",
  ];
  const table = h(
    "table",
    { class: "sources-table" },
    h("caption", { class: "offscreen" }, "Data sources"),
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
            { scope: "row", "data-label": "Name" },
            h("a", { href: `/sources/${s.id}`, "data-key": `name-${s.id}` }, s.name),
            s.meterId && h("span", { class: "sub" }, `Meter ${s.meterId}`),
          ),
          h("td", { "data-label": "Type" }, s.type),
          h("td", { "data-label": "Asset" }, humanize(s.asset)),
          h("td", { "data-label": "Role" }, roleText(s.role)),
          h("td", { "data-label": "Enabled" }, s.enabled ? "Yes" : h("span", { class: "off" }, "No")),
          h("td", { "data-label": "Health" }, badge),
          h("td", { "data-label": "Connection" }, connectedBadge(s.health)),
          h(
            "td",
            { "data-label": "Last message" },
            s.health.lastMessageAt === null
              ? h("span", { class: "muted" }, "never")
              : h(
                  "time",
                  { datetime: s.health.lastMessageAt, title: formatTime(s.health.lastMessageAt) },
                  timeAgo(s.health.lastMessageAt, now),
                ),
          ),
          h("td", { "data-label": "Accepted", class: "num" }, formatCount(s.stats.messagesAccepted)),
          h(
            "td",
            { "data-label": "Rejected", class: `num${s.stats.messagesRejected > 0 ? " has-rejected" : ""}` },
            formatCount(s.stats.messagesRejected),
          ),
        );
      }),
    ),
  );
  replace(body, h("div", { class: "table-wrap" }, table));
  if (focused) body.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus();
}
