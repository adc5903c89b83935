import { h, replace } from "../lib/dom.ts";

/** A labelled form control with a hint and a slot for the API's error about it. */
export interface Field {
  readonly wrapper: HTMLElement;
  readonly control: FieldControl;
  /** One reason, several (one paragraph each), or none to clear the error. */
  setError(reason: string | readonly string[] | undefined): void;
}

type FieldControl = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** Wires a control to its label, hint and error message (aria-describedby, aria-invalid). */
export function field(name: string, label: string, control: FieldControl, hint?: string): Field {
  const id = `field-${name}`;
  control.id = id;
  control.name = name;
  const hintEl = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : undefined;
  const error = h("div", { class: "field-error", id: `${id}-error`, "data-field": name });
  control.setAttribute("aria-describedby", [hintEl?.id, error.id].filter(Boolean).join(" "));
  const checkbox = control instanceof HTMLInputElement && control.type === "checkbox";
  const wrapper = checkbox
    ? h("div", { class: "field field-check" }, control, h("label", { for: id }, label), hintEl, error)
    : h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl, error);
  return {
    wrapper,
    control,
    setError(reason) {
      const lines = reason === undefined ? [] : typeof reason === "string" ? [reason] : reason;
      replace(
        error,
        lines.map((line) => h("p", {}, line)),
      );
      wrapper.classList.toggle("has-error", lines.length > 0);
      if (lines.length === 0) control.removeAttribute("aria-invalid");
      else control.setAttribute("aria-invalid", "true");
    },
  };
}

/** A select with [value, label] options. */
export function select(
  options: ReadonlyArray<readonly [string, string]>,
  value: string,
  disabled = false,
): HTMLSelectElement {
  const el = h(
    "select",
    { disabled },
    options.map(([v, text]) => h("option", { value: v }, text)),
  );
  el.value = value;
  return el;
}
