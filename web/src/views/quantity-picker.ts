import { t } from "../i18n/i18n.ts";
import { h, replace } from "../lib/dom.ts";
import { formatUnit } from "../lib/format.ts";
import type { Series } from "../lib/types.ts";

/**
 * Checkboxes for the quantities present in the loaded range, each named by `nameOf` beside its OBIS code.
 * Remembers what was switched off, so a quantity that first appears in a new range starts switched on.
 */
export function quantityPicker(onChange: () => void, nameOf: (s: Series) => string) {
  const off = new Set<string>();
  const list = h("div", { class: "checks" });
  const element = h("fieldset", { class: "quantities" }, h("legend", {}, t("quantities.legend")), list);
  element.hidden = true;

  return {
    element,
    /** Shows one checkbox per series. */
    set(series: readonly Series[]): void {
      element.hidden = series.length === 0;
      replace(
        list,
        series.map((s) => {
          const id = `q-${s.dataTag.replace(/[^\w]/g, "_")}`;
          const box = h("input", { type: "checkbox", id, value: s.dataTag, checked: !off.has(s.dataTag) });
          box.addEventListener("change", () => {
            if (box.checked) off.delete(s.dataTag);
            else off.add(s.dataTag);
            onChange();
          });
          const unit = formatUnit(s.unitOfMeasurement);
          return h(
            "span",
            { class: "check" },
            box,
            h("label", { for: id }, nameOf(s), unit && ` [${unit}]`, " ", h("code", {}, s.dataTag)),
          );
        }),
      );
    },
    /** The series whose box is ticked. */
    selected(series: readonly Series[]): Series[] {
      return series.filter((s) => !off.has(s.dataTag));
    },
  };
}
