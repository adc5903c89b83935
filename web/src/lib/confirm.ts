import { t } from "../i18n/i18n.ts";
import { openDialog } from "./dialog.ts";
import { h } from "./dom.ts";

/** Asks before something that cannot be undone; resolves true only on the explicit action button. */
export function confirmAction(
  title: string,
  message: string,
  action: string,
  danger = false,
): Promise<boolean> {
  return new Promise((resolve) => {
    let confirmed = false;
    const cancel = h("button", { type: "button" }, t("common.cancel"));
    const ok = h("button", { type: "button", class: danger ? "danger" : "primary" }, action);
    const dialog = openDialog(title, [h("p", {}, message), h("div", { class: "actions" }, cancel, ok)], () =>
      resolve(confirmed),
    );
    dialog.element.setAttribute("role", "alertdialog");
    cancel.addEventListener("click", () => dialog.close());
    ok.addEventListener("click", () => {
      confirmed = true;
      dialog.close();
    });
    // The safe choice has focus, so a stray Enter does not delete anything.
    cancel.focus();
  });
}
