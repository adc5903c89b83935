import { actionButton } from "../lib/action-button.ts";
import { ApiError, api, messageOf } from "../lib/api.ts";
import { confirmAction } from "../lib/confirm.ts";
import { openDialog } from "../lib/dialog.ts";
import { h, replace } from "../lib/dom.ts";
import { humanize } from "../lib/format.ts";
import { navigate } from "../lib/router.ts";
import { toast } from "../lib/toast.ts";
import type { DataSource, Permission } from "../lib/types.ts";
import { serviceNameOf } from "./permission-badge.ts";

/** Statuses in which the permission was never granted, so it may be deleted without telling EDDIE. */
const NEVER_GRANTED = new Set(["CREATED", "FETCHED_DETAILS"]);

/** The buttons that decide on a permission; `changed` gets the permission after each change. */
export function permissionActions(permission: Permission, changed: (p: Permission) => void): HTMLElement {
  const name = serviceNameOf(permission);
  const path = `/permissions/${permission.permissionId}`;

  const accept =
    permission.status === "FETCHED_DETAILS" &&
    actionButton(
      "Accept…",
      async () => {
        const saved = await openAccept(permission);
        if (saved) {
          toast(`Accepted: ${name} will receive the data it asked for.`);
          changed(saved);
        }
      },
      "primary",
    );

  const reject =
    NEVER_GRANTED.has(permission.status) &&
    actionButton("Reject", async () => {
      const ok = await confirmAction(
        `Reject ${name}?`,
        "The service is told that you declined. It receives no data. This cannot be undone.",
        "Reject permission",
        true,
      );
      if (!ok) return;
      changed(await api<Permission>("PATCH", path, { operation: "REJECT" }));
      toast("Rejected.");
    });

  const revoke =
    permission.statusGroup === "active" &&
    actionButton(
      "Revoke",
      async () => {
        const ok = await confirmAction(
          `Revoke ${name}?`,
          "The service receives no more data from now on and is told that you revoked the permission. This cannot be undone.",
          "Revoke permission",
          true,
        );
        if (!ok) return;
        changed(await api<Permission>("PATCH", path, { operation: "REVOKE" }));
        toast("Revoked: no more data is shared.");
      },
      "danger-outline",
    );

  const remove =
    NEVER_GRANTED.has(permission.status) &&
    actionButton(
      "Delete",
      async () => {
        const ok = await confirmAction(
          `Delete ${name}?`,
          "The permission is removed from this hub without telling the service (use Reject to tell it). This cannot be undone.",
          "Delete permission",
          true,
        );
        if (!ok) return;
        await api("DELETE", path);
        toast("Deleted.");
        navigate("/permissions");
      },
      "danger-outline",
    );

  return h(
    "div",
    { class: "source-actions", role: "group", "aria-label": "Permission actions" },
    accept,
    reject,
    revoke,
    remove,
  );
}

/** The accept dialog: only data sources of the data need's asset are offered. */
async function openAccept(permission: Permission): Promise<Permission | undefined> {
  const asset = permission.dataNeed?.asset ?? "";
  const sources = await api<DataSource[]>("GET", "/datasources");
  const compatible = sources.filter((s) => s.asset === asset);
  const others = sources.length - compatible.length;
  return new Promise((resolve) => {
    let result: Permission | undefined;
    const cancel = h("button", { type: "button" }, "Cancel");
    const intro = h(
      "p",
      {},
      `${serviceNameOf(permission)} asks for the data of a ${humanize(asset).toLowerCase()}. Choose the data source that measures it.`,
    );
    if (compatible.length === 0) {
      const addLink = h("a", { href: "/sources" }, "Add a data source");
      const dialog = openDialog(
        "Accept the permission",
        [
          intro,
          h(
            "p",
            { class: "notice", role: "alert" },
            `No data source has the asset ${humanize(asset)}${others > 0 ? ` (${others} of other assets cannot serve it)` : ""}. `,
            addLink,
            " with this asset, then accept again.",
          ),
          h("div", { class: "actions" }, cancel),
        ],
        () => resolve(undefined),
      );
      cancel.addEventListener("click", () => dialog.close());
      addLink.addEventListener("click", () => dialog.close());
      cancel.focus();
      return;
    }
    const choices = compatible.map((s, i) =>
      h(
        "div",
        { class: "field-check" },
        h("input", {
          type: "radio",
          name: "dataSourceId",
          id: `accept-source-${s.id}`,
          value: s.id,
          checked: i === 0,
        }),
        h(
          "label",
          { for: `accept-source-${s.id}` },
          s.name,
          s.meterId && h("span", { class: "sub" }, ` Meter ${s.meterId}`),
        ),
      ),
    );
    const error = h("p", { class: "form-error", role: "alert" });
    const ok = h("button", { type: "submit", class: "primary" }, "Accept and share");
    const form = h(
      "form",
      { class: "accept-form" },
      intro,
      h("fieldset", {}, h("legend", {}, "Data source"), choices),
      others > 0 &&
        h(
          "p",
          { class: "hint" },
          `${others} data source(s) of other assets are not offered: they cannot serve this data need.`,
        ),
      error,
      h("div", { class: "actions" }, cancel, ok),
    );
    const dialog = openDialog("Accept the permission", [form], () => resolve(result));
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = form.querySelector<HTMLInputElement>('input[name="dataSourceId"]:checked')?.value;
      replace(error);
      ok.disabled = true;
      try {
        result = await api<Permission>("PATCH", `/permissions/${permission.permissionId}`, {
          operation: "ACCEPT",
          dataSourceId: chosen,
        });
        dialog.close();
      } catch (err) {
        const details = err instanceof ApiError ? err.details.map((d) => d.reason) : [];
        replace(error, [messageOf(err), ...details].join(" "));
      } finally {
        ok.disabled = false;
      }
    });
    form.querySelector<HTMLInputElement>("input:checked")?.focus();
  });
}
