import { t } from "../i18n/i18n.ts";
import { actionButton } from "../lib/action-button.ts";
import { api } from "../lib/api.ts";
import { confirmAction } from "../lib/confirm.ts";
import { h } from "../lib/dom.ts";
import { navigate } from "../lib/router.ts";
import { toast } from "../lib/toast.ts";
import type { Credentials, DataSource } from "../lib/types.ts";
import { showCredentials } from "./credentials-dialog.ts";
import { editSource } from "./source-form.ts";

/** The buttons that change a data source; `changed` gets the source after each change. */
export function sourceActions(source: DataSource, changed: (s: DataSource) => void): HTMLElement {
  const edit = actionButton(t("sourceActions.edit"), async () => {
    const saved = await editSource(source);
    if (saved) {
      toast(t("sourceActions.saved"));
      changed(saved);
    }
  });

  const toggle = actionButton(
    source.enabled ? t("sourceActions.disable") : t("sourceActions.enable"),
    async () => {
      const saved = await api<DataSource>("PATCH", `/datasources/${source.id}`, { enabled: !source.enabled });
      toast(saved.enabled ? t("sourceActions.enabled") : t("sourceActions.disabled"));
      changed(saved);
    },
  );

  const rekey = actionButton(t("sourceActions.newPassword"), async () => {
    const ok = await confirmAction(
      t("sourceActions.newPassword.title"),
      t("sourceActions.newPassword.message", { name: source.name }),
      t("sourceActions.newPassword.action"),
    );
    if (!ok) return;
    const credentials = await api<Credentials>("POST", `/datasources/${source.id}/regenerate-password`);
    await showCredentials(source.name, credentials, "regenerated");
  });

  const remove = actionButton(
    t("common.delete"),
    async () => {
      const ok = await confirmAction(
        t("sourceActions.delete.title", { name: source.name }),
        t("sourceActions.delete.message"),
        t("sourceActions.delete.action"),
        true,
      );
      if (!ok) return;
      await api("DELETE", `/datasources/${source.id}`);
      toast(t("sourceActions.deleted", { name: source.name }));
      navigate("/sources");
    },
    "danger-outline",
  );

  return h(
    "div",
    { class: "source-actions", role: "group", "aria-label": t("sourceActions.label") },
    edit,
    toggle,
    rekey,
    remove,
  );
}
