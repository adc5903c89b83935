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
  const edit = actionButton("Edit", async () => {
    const saved = await editSource(source);
    if (saved) {
      toast("Saved.");
      changed(saved);
    }
  });

  const toggle = actionButton(source.enabled ? "Disable" : "Enable", async () => {
    const saved = await api<DataSource>("PATCH", `/datasources/${source.id}`, { enabled: !source.enabled });
    toast(
      saved.enabled ? "Enabled: the device may send data again." : "Disabled: the device was disconnected.",
    );
    changed(saved);
  });

  const rekey = actionButton("New password", async () => {
    const ok = await confirmAction(
      "Generate a new password?",
      `The current password of ${source.name} stops working at once and a connected device is disconnected. ` +
        "You will need to enter the new password on the device.",
      "Generate new password",
    );
    if (!ok) return;
    const credentials = await api<Credentials>("POST", `/datasources/${source.id}/regenerate-password`);
    await showCredentials(source.name, credentials, "regenerated");
  });

  const remove = actionButton(
    "Delete",
    async () => {
      const ok = await confirmAction(
        `Delete ${source.name}?`,
        "The device can no longer connect, and all data stored for it is deleted. This cannot be undone.",
        "Delete data source",
        true,
      );
      if (!ok) return;
      await api("DELETE", `/datasources/${source.id}`);
      toast(`${source.name} was deleted.`);
      navigate("/sources");
    },
    "danger-outline",
  );

  return h(
    "div",
    { class: "source-actions", role: "group", "aria-label": "Data source actions" },
    edit,
    toggle,
    rekey,
    remove,
  );
}
