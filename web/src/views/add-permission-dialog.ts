import { t } from "../i18n/i18n.ts";
import { ApiError, api, messageOf } from "../lib/api.ts";
import { openDialog } from "../lib/dialog.ts";
import { h, replace } from "../lib/dom.ts";
import { decodeQrImage } from "../lib/qr-image.ts";
import type { Permission } from "../lib/types.ts";
import { field } from "./form-fields.ts";

/**
 * Opens the "add permission" dialog: paste the AIIDA code, or pick an image of its QR code (read in
 * the browser). Resolves with the permissions added, or none if cancelled.
 */
export function openAddPermission(): Promise<readonly Permission[]> {
  return new Promise((resolve) => {
    let added: readonly Permission[] = [];
    const code = field(
      "aiidaCode",
      t("permission.add.code"),
      h("textarea", {
        rows: 5,
        spellcheck: "false",
        autocomplete: "off",
        placeholder: "eyJlZGRpZUlkIjoi…",
      }),
      t("permission.add.codeHint"),
    );
    const image = field(
      "qrImage",
      t("permission.add.image"),
      h("input", { type: "file", accept: "image/*" }),
      t("permission.add.imageHint"),
    );
    const general = h("p", { class: "form-error", role: "alert" });
    const save = h("button", { type: "submit", class: "primary" }, t("permission.add.submit"));
    const cancel = h("button", { type: "button" }, t("common.cancel"));
    const form = h(
      "form",
      { class: "permission-form", novalidate: true },
      code.wrapper,
      image.wrapper,
      general,
      h("div", { class: "actions" }, cancel, save),
    );
    const dialog = openDialog(t("permission.add.title"), [form], () => resolve(added));
    cancel.addEventListener("click", () => dialog.close());

    const imageInput = image.control as HTMLInputElement;
    imageInput.addEventListener("change", async () => {
      const file = imageInput.files?.[0];
      image.setError(undefined);
      if (!file) return;
      try {
        code.control.value = await decodeQrImage(file);
        code.setError(undefined);
        imageInput.setAttribute("data-decoded", "true");
        code.control.focus();
      } catch (err) {
        image.setError(messageOf(err));
      }
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      code.setError(undefined);
      replace(general);
      const text = code.control.value.trim();
      if (text === "") {
        code.setError(t("permission.add.codeMissing"));
        code.control.focus();
        return;
      }
      save.disabled = true;
      try {
        added = await api<Permission[]>("POST", "/permissions", { aiidaCode: text });
        dialog.close();
      } catch (err) {
        const details = err instanceof ApiError ? err.details : [];
        // The API names the decoded code's fields ($.handshakeUrl …); all of them belong to this one field.
        const lines = details.map((d) =>
          d.path === "$" || d.path === "$.aiidaCode" ? d.reason : `${d.path}: ${d.reason}`,
        );
        code.setError(lines.length > 0 ? lines : messageOf(err));
        // With details, the message sums them up; without, the field already says it.
        if (lines.length > 0) replace(general, messageOf(err));
        code.control.focus();
      } finally {
        save.disabled = false;
      }
    });
    code.control.focus();
  });
}
