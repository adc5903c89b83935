import { ApiError, api, messageOf } from "../lib/api.ts";
import { openDialog } from "../lib/dialog.ts";
import { h, replace } from "../lib/dom.ts";
import { decodeQrImage } from "../lib/qr-image.ts";
import type { Permission } from "../lib/types.ts";

/**
 * Opens the "add permission" dialog: paste the AIIDA code, or pick an image of its QR code (read in
 * the browser). Resolves with the permissions added, or none if cancelled.
 */
export function openAddPermission(): Promise<readonly Permission[]> {
  return new Promise((resolve) => {
    let added: readonly Permission[] = [];
    const code = h("textarea", {
      id: "field-aiidaCode",
      name: "aiidaCode",
      rows: 5,
      spellcheck: "false",
      autocomplete: "off",
      "aria-describedby": "field-aiidaCode-hint field-aiidaCode-error",
      placeholder: "eyJlZGRpZUlkIjoi…",
    });
    const codeError = h("div", {
      class: "field-error",
      id: "field-aiidaCode-error",
      "data-field": "aiidaCode",
    });
    const image = h("input", {
      type: "file",
      id: "field-qrImage",
      accept: "image/*",
      "aria-describedby": "field-qrImage-hint field-qrImage-error",
    });
    const imageError = h("p", { class: "field-error", id: "field-qrImage-error", "data-field": "qrImage" });
    const codeWrapper = h(
      "div",
      { class: "field" },
      h("label", { for: code.id }, "AIIDA code"),
      code,
      h(
        "p",
        { class: "hint", id: "field-aiidaCode-hint" },
        "The code the service shows you (a long line of letters and digits).",
      ),
      codeError,
    );
    const imageWrapper = h(
      "div",
      { class: "field" },
      h("label", { for: image.id }, "Or an image of its QR code"),
      image,
      h(
        "p",
        { class: "hint", id: "field-qrImage-hint" },
        "A screenshot or photo. It is read here in your browser and fills in the code above.",
      ),
      imageError,
    );
    const general = h("p", { class: "form-error", role: "alert" });
    const save = h("button", { type: "submit", class: "primary" }, "Add permission");
    const cancel = h("button", { type: "button" }, "Cancel");
    const form = h(
      "form",
      { class: "permission-form", novalidate: true },
      codeWrapper,
      imageWrapper,
      general,
      h("div", { class: "actions" }, cancel, save),
    );
    const dialog = openDialog("Add a permission", [form], () => resolve(added));
    const setError = (wrapper: HTMLElement, slot: HTMLElement, control: HTMLElement, lines: string[]) => {
      replace(
        slot,
        lines.map((line) => h("p", {}, line)),
      );
      wrapper.classList.toggle("has-error", lines.length > 0);
      if (lines.length > 0) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    };
    cancel.addEventListener("click", () => dialog.close());

    image.addEventListener("change", async () => {
      const file = image.files?.[0];
      setError(imageWrapper, imageError, image, []);
      if (!file) return;
      try {
        code.value = await decodeQrImage(file);
        setError(codeWrapper, codeError, code, []);
        image.setAttribute("data-decoded", "true");
        code.focus();
      } catch (err) {
        setError(imageWrapper, imageError, image, [messageOf(err)]);
      }
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      setError(codeWrapper, codeError, code, []);
      replace(general);
      const text = code.value.trim();
      if (text === "") {
        setError(codeWrapper, codeError, code, ["Paste the AIIDA code, or choose an image of its QR code."]);
        code.focus();
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
        setError(codeWrapper, codeError, code, lines.length > 0 ? lines : [messageOf(err)]);
        // With details, the message sums them up; without, the field already says it.
        if (lines.length > 0) replace(general, messageOf(err));
        code.focus();
      } finally {
        save.disabled = false;
      }
    });
    code.focus();
  });
}
