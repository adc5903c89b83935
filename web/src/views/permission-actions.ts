import { t, tn, tParts } from "../i18n/i18n.ts";
import { actionButton } from "../lib/action-button.ts";
import { ApiError, api, messageOf } from "../lib/api.ts";
import { confirmAction } from "../lib/confirm.ts";
import { openDialog } from "../lib/dialog.ts";
import { h, replace } from "../lib/dom.ts";
import { navigate } from "../lib/router.ts";
import { toast } from "../lib/toast.ts";
import type { DataSource, Permission } from "../lib/types.ts";
import { assetName } from "./asset-name.ts";
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
      t("permission.accept"),
      async () => {
        const saved = await openAccept(permission);
        if (saved) {
          toast(t("permission.accepted", { service: name }));
          changed(saved);
        }
      },
      "primary",
    );

  const reject =
    NEVER_GRANTED.has(permission.status) &&
    actionButton(t("permission.reject"), async () => {
      const ok = await confirmAction(
        t("permission.reject.title", { service: name }),
        t("permission.reject.message"),
        t("permission.reject.action"),
        true,
      );
      if (!ok) return;
      changed(await api<Permission>("PATCH", path, { operation: "REJECT" }));
      toast(t("permission.rejected"));
    });

  const revoke =
    permission.statusGroup === "active" &&
    actionButton(
      t("permission.revoke"),
      async () => {
        const ok = await confirmAction(
          t("permission.revoke.title", { service: name }),
          t("permission.revoke.message"),
          t("permission.revoke.action"),
          true,
        );
        if (!ok) return;
        changed(await api<Permission>("PATCH", path, { operation: "REVOKE" }));
        toast(t("permission.revoked"));
      },
      "danger-outline",
    );

  const remove =
    NEVER_GRANTED.has(permission.status) &&
    actionButton(
      t("common.delete"),
      async () => {
        const ok = await confirmAction(
          t("permission.delete.title", { service: name }),
          t("permission.delete.message"),
          t("permission.delete.action"),
          true,
        );
        if (!ok) return;
        await api("DELETE", path);
        toast(t("permission.deleted"));
        navigate("/permissions");
      },
      "danger-outline",
    );

  return h(
    "div",
    { class: "source-actions", role: "group", "aria-label": t("permission.actions") },
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
    const cancel = h("button", { type: "button" }, t("common.cancel"));
    const intro = h(
      "p",
      {},
      t("permission.accept.intro", { service: serviceNameOf(permission), asset: assetName(asset) }),
    );
    if (compatible.length === 0) {
      const addLink = h("a", { href: "/sources" }, t("permission.accept.addSource"));
      const dialog = openDialog(
        t("permission.accept.title"),
        [
          intro,
          h(
            "p",
            { class: "notice", role: "alert" },
            tParts("permission.accept.noSource", {
              asset: assetName(asset),
              others: others > 0 ? tn("permission.accept.othersCannot", others) : "",
              addSource: addLink,
            }),
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
          s.meterId && " ",
          s.meterId && h("span", { class: "sub" }, t("permission.accept.meter", { id: s.meterId })),
        ),
      ),
    );
    const error = h("p", { class: "form-error", role: "alert" });
    const ok = h("button", { type: "submit", class: "primary" }, t("permission.accept.submit"));
    const form = h(
      "form",
      { class: "accept-form" },
      intro,
      h("fieldset", {}, h("legend", {}, t("common.dataSource")), choices),
      others > 0 && h("p", { class: "hint" }, tn("permission.accept.notOffered", others)),
      error,
      h("div", { class: "actions" }, cancel, ok),
    );
    const dialog = openDialog(t("permission.accept.title"), [form], () => resolve(result));
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
