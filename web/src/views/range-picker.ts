import { t, tValue } from "../i18n/i18n.ts";
import { h } from "../lib/dom.ts";
import { fromLocalInput, toLocalInput, zoneName } from "../lib/format.ts";
import { PRESETS, type Preset } from "../lib/history-data.ts";

/** A chosen time range: a preset ending now, or fixed instants. */
export type Range = { readonly preset: Preset } | { readonly from: number; readonly to: number };

/** The instants a range covers right now. */
export function resolveRange(range: Range, now = Date.now()): { from: number; to: number } {
  return "preset" in range ? { from: now - PRESETS[range.preset].ms, to: now } : range;
}

/** The range in a page's query string (?range=day or ?from=…&to=…), so reload and links keep it. */
export function rangeFromQuery(search: string): Range {
  const q = new URLSearchParams(search);
  const from = Number(q.get("from"));
  const to = Number(q.get("to"));
  if (from > 0 && to > from) return { from, to };
  const preset = q.get("range");
  return preset !== null && preset in PRESETS ? { preset: preset as Preset } : { preset: "day" };
}

/** The query string for a range. */
export function rangeToQuery(range: Range): string {
  return "preset" in range ? `?range=${range.preset}` : `?from=${range.from}&to=${range.to}`;
}

/** Radio buttons for the presets and "Custom", with from/to inputs; calls `onChange` with the new range. */
export function rangePicker(initial: Range, onChange: (range: Range) => void) {
  const chosen = "preset" in initial ? initial.preset : "custom";
  const now = resolveRange(initial);
  // The inputs take times in the hub's zone, as the page shows them; the note says which zone that is.
  const zone = h(
    "span",
    { class: "range-zone muted", id: "range-zone" },
    t("range.zone", { zone: zoneName() }),
  );
  const inputAttributes = { type: "datetime-local", "aria-describedby": "range-zone" } as const;
  const fromInput = h("input", { ...inputAttributes, id: "range-from", value: toLocalInput(now.from) });
  const toInput = h("input", { ...inputAttributes, id: "range-to", value: toLocalInput(now.to) });
  const error = h("p", { class: "field-error", role: "alert" });
  const apply = h("button", { type: "submit", class: "small" }, t("range.show"));
  const custom = h(
    "form",
    { class: "custom-range", novalidate: true },
    h("label", { for: "range-from" }, t("range.from")),
    fromInput,
    h("label", { for: "range-to" }, t("range.to")),
    toInput,
    zone,
    apply,
    error,
  );
  custom.hidden = chosen !== "custom";
  const options: Array<[string, string]> = [
    ...Object.keys(PRESETS).map((key): [string, string] => [key, tValue("range.preset", key)]),
    ["custom", t("range.custom")],
  ];
  const radios = options.map(([value, label]) => {
    const input = h("input", {
      type: "radio",
      name: "range",
      value,
      id: `range-${value}`,
      checked: value === chosen,
    });
    input.addEventListener("change", () => {
      custom.hidden = value !== "custom";
      if (value !== "custom") onChange({ preset: value as Preset });
      else fromInput.focus();
    });
    return h("span", { class: "segment" }, input, h("label", { for: `range-${value}` }, label));
  });
  custom.addEventListener("submit", (event) => {
    event.preventDefault();
    const from = fromLocalInput(fromInput.value);
    const to = fromLocalInput(toInput.value);
    error.textContent = "";
    if (!Number.isFinite(from) || !Number.isFinite(to)) error.textContent = t("range.bothMissing");
    else if (from >= to) error.textContent = t("range.startAfterEnd");
    else onChange({ from, to });
  });
  const element = h(
    "div",
    { class: "range-picker" },
    h("fieldset", { class: "segments" }, h("legend", {}, t("range.label")), radios),
    custom,
  );
  /** Shows a range chosen elsewhere (zooming) without calling `onChange`. */
  const show = (range: Range) => {
    const value = "preset" in range ? range.preset : "custom";
    const radio = element.querySelector<HTMLInputElement>(`#range-${value}`);
    if (radio) radio.checked = true;
    custom.hidden = value !== "custom";
    const { from, to } = resolveRange(range);
    fromInput.value = toLocalInput(from);
    toInput.value = toLocalInput(to);
  };
  return { element, show };
}
