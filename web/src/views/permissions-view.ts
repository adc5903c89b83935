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

const GROUPS: ReadonlyArray<{ group: PermissionStatusGroup; label: string; empty: string }> = [
  { group: "active", label: "Active", empty: "No permission is active." },
  { group: "pending", label: "Pending", empty: "No permission waits for your decision." },
  { group: "complete", label: "Complete", empty: "No permission has ended yet." },
];

/** The permissions to share data with services, by state, and the button to add one from an AIIDA code. */
export function permissionsView(main: HTMLElement): Cleanup {
  document.title = "Permissions · aiida-hub";
  const panels = GROUPS.map(() =>
    h("div", { class: "permissions-body" }, h("p", { class: "muted" }, "Loading…")),
  );
  const groupTabs = tabs(
    "Permissions by state",
    GROUPS.map((g, i) => ({ id: `permissions-${g.group}`, label: g.label, panel: panels[i] as HTMLElement })),
  );
  const add = h("button", { type: "button", class: "primary" }, "+ Add permission");
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
    h("div", { class: "page-head" }, h("h1", {}, "Permissions"), add),
    h(
      "p",
      { class: "muted intro" },
      "A service (such as an energy community) can ask to receive your meter's data. Add the AIIDA code it gives you, then accept or reject. You can revoke an accepted permission at any time.",
    ),
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
    GROUPS.forEach(({ group, empty }, i) => {
      const list = all.filter((p) => p.statusGroup === group);
      const key = JSON.stringify(list);
      if (stopped || key === last[i]) return;
      last[i] = key;
      renderList(panels[i] as HTMLElement, list, empty, group);
    });
  };
  void refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

function renderList(
  panel: HTMLElement,
  permissions: readonly Permission[],
  empty: string,
  group: PermissionStatusGroup,
): void {
  if (permissions.length === 0) {
    replace(panel, h("div", { class: "empty card" }, h("p", {}, empty)));
    return;
  }
  const focused = document.activeElement?.getAttribute("data-key");
  const headers = ["Service", "EDDIE", "Status", "Start – end", "Data source"];
  const table = h(
    "table",
    { class: "sources-table permissions-table" },
    h("caption", { class: "offscreen" }, `${group} permissions`),
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
      permissions.map((p) => {
        const badge = statusBadge(p);
        badge.dataset.key = `status-${p.permissionId}`;
        return h(
          "tr",
          { "data-permission-id": p.permissionId },
          h(
            "th",
            { scope: "row", "data-label": "Service" },
            h(
              "a",
              { href: `/permissions/${p.permissionId}`, "data-key": `name-${p.permissionId}` },
              serviceNameOf(p),
            ),
            h("span", { class: "sub" }, `Permission ${shortId(p.permissionId)}`),
          ),
          h("td", { "data-label": "EDDIE" }, h("code", { title: p.eddieId }, shortId(p.eddieId))),
          h("td", { "data-label": "Status" }, badge),
          h("td", { "data-label": "Start – end" }, period(p)),
          h(
            "td",
            { "data-label": "Data source" },
            p.dataSource === null
              ? h("span", { class: "muted" }, "none yet")
              : (p.dataSource.name ?? h("span", { class: "muted" }, "deleted")),
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
