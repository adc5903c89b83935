import type { MessageKey } from "../i18n/en.ts";
import { t } from "../i18n/i18n.ts";
import { api, messageOf } from "../lib/api.ts";
import { h, replace } from "../lib/dom.ts";
import { formatTime } from "../lib/format.ts";
import { type Cleanup, navigate } from "../lib/router.ts";
import { tabs } from "../lib/tabs.ts";
import type { Permission, PermissionStatusGroup } from "../lib/types.ts";
import { openAddPermission } from "./add-permission-dialog.ts";
import { serviceNameOf, shortId, statusBadge } from "./permission-badge.ts";

/** How often the lists refresh (statuses change in the background: details fetched, start reached). */
const REFRESH_MS = 5000;

const GROUPS: readonly PermissionStatusGroup[] = ["active", "pending", "complete"];

/** The permissions to share data with services, by state, and the button to add one from an AIIDA code. */
export function permissionsView(main: HTMLElement): Cleanup {
  document.title = t("permissions.documentTitle");
  const panels = GROUPS.map(() =>
    h("div", { class: "permissions-body" }, h("p", { class: "muted" }, t("common.loading"))),
  );
  const groupTabs = tabs(
    t("permissions.byState"),
    GROUPS.map((group, i) => ({
      id: `permissions-${group}`,
      label: t(`permissions.group.${group}`),
      panel: panels[i] as HTMLElement,
    })),
  );
  const add = h("button", { type: "button", class: "primary" }, t("permissions.add"));
  add.addEventListener("click", async () => {
    const added = await openAddPermission();
    if (added.length === 0) return;
    if (added.length === 1 && added[0]) {
      navigate(`/permissions/${added[0].permissionId}`);
      return;
    }
    // Several permissions from one code: show them where they are now.
    last = ["", "", ""];
    await refresh();
    const group = added[0]?.statusGroup ?? "pending";
    groupTabs.querySelector<HTMLElement>(`#tab-permissions-${group}`)?.click();
  });
  replace(
    main,
    h("div", { class: "page-head" }, h("h1", {}, t("permissions.title")), add),
    h("p", { class: "muted intro" }, t("permissions.intro")),
    groupTabs,
  );

  let last = ["", "", ""];
  let stopped = false;
  // One request for all groups: each permission says which group it is in.
  const refresh = async () => {
    let all: Permission[];
    try {
      all = await api<Permission[]>("GET", "/permissions");
    } catch (err) {
      if (stopped) return;
      for (const panel of panels)
        replace(panel, h("p", { class: "form-error", role: "alert" }, messageOf(err)));
      last = ["", "", ""];
      return;
    }
    GROUPS.forEach((group, i) => {
      const list = all.filter((p) => p.statusGroup === group);
      const key = JSON.stringify(list);
      if (stopped || key === last[i]) return;
      last[i] = key;
      renderList(panels[i] as HTMLElement, list, group);
    });
  };
  void refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** The table's columns; each header also labels its cells on a phone, where rows become cards. */
const COLUMNS = {
  service: "permissions.column.service",
  eddie: "permissions.column.eddie",
  status: "permissions.column.status",
  period: "permissions.column.period",
  source: "common.dataSource",
} as const satisfies Record<string, MessageKey>;

function renderList(
  panel: HTMLElement,
  permissions: readonly Permission[],
  group: PermissionStatusGroup,
): void {
  if (permissions.length === 0) {
    replace(panel, h("div", { class: "empty card" }, h("p", {}, t(`permissions.empty.${group}`))));
    return;
  }
  const focused = document.activeElement?.getAttribute("data-key");
  const label = (column: keyof typeof COLUMNS) => t(COLUMNS[column]);
  const table = h(
    "table",
    { class: "sources-table permissions-table" },
    h("caption", { class: "offscreen" }, t(`permissions.caption.${group}`)),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        Object.values(COLUMNS).map((key) => h("th", { scope: "col" }, t(key))),
      ),
    ),
    h(
      "tbody",
      {},
      permissions.map((p) => {
        const badge = statusBadge(p);
        badge.dataset.key = `status-${p.permissionId}`;
        return h(
          "tr",
          { "data-permission-id": p.permissionId },
          h(
            "th",
            { scope: "row", "data-label": label("service") },
            h(
              "a",
              { href: `/permissions/${p.permissionId}`, "data-key": `name-${p.permissionId}` },
              serviceNameOf(p),
            ),
            h("span", { class: "sub" }, t("permissions.shortId", { id: shortId(p.permissionId) })),
          ),
          h("td", { "data-label": label("eddie") }, h("code", { title: p.eddieId }, shortId(p.eddieId))),
          h("td", { "data-label": label("status") }, badge),
          h("td", { "data-label": label("period") }, period(p)),
          h(
            "td",
            { "data-label": label("source") },
            p.dataSource === null
              ? h("span", { class: "muted" }, t("permissions.noSourceYet"))
              : (p.dataSource.name ?? h("span", { class: "muted" }, t("permissions.sourceDeleted"))),
          ),
        );
      }),
    ),
  );
  replace(panel, h("div", { class: "table-wrap" }, table));
  if (focused) panel.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus();
}

/** Start and end of a permission, or a dash when EDDIE has not told them yet. */
export function period(p: Pick<Permission, "startTime" | "expirationTime">): string {
  if (p.startTime === null && p.expirationTime === null) return "–";
  return `${p.startTime === null ? "?" : formatTime(p.startTime)} – ${p.expirationTime === null ? "?" : formatTime(p.expirationTime)}`;
}
