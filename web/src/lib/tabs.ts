import { h } from "./dom.ts";

/** One tab: its label and panel content. */
export interface Tab {
  readonly id: string;
  readonly label: string;
  readonly panel: HTMLElement;
}

/** ARIA tabs: arrow keys, Home and End move between tabs; only the selected tab is in the tab order. */
export function tabs(label: string, items: readonly Tab[]): HTMLElement {
  const buttons = items.map((item, i) =>
    h(
      "button",
      {
        type: "button",
        role: "tab",
        id: `tab-${item.id}`,
        "aria-controls": `panel-${item.id}`,
        "aria-selected": String(i === 0),
        tabindex: i === 0 ? 0 : -1,
      },
      item.label,
    ),
  );
  const panels = items.map((item, i) => {
    const panel = h("div", {
      role: "tabpanel",
      id: `panel-${item.id}`,
      "aria-labelledby": `tab-${item.id}`,
      tabindex: 0,
    });
    panel.append(item.panel);
    panel.hidden = i !== 0;
    return panel;
  });
  const select = (index: number) => {
    buttons.forEach((b, i) => {
      b.setAttribute("aria-selected", String(i === index));
      b.tabIndex = i === index ? 0 : -1;
      const panel = panels[i];
      if (panel) panel.hidden = i !== index;
    });
    buttons[index]?.focus();
  };
  buttons.forEach((button, i) => {
    button.addEventListener("click", () => select(i));
    button.addEventListener("keydown", (event) => {
      const n = buttons.length;
      const to: Record<string, number> = {
        ArrowRight: (i + 1) % n,
        ArrowLeft: (i - 1 + n) % n,
        Home: 0,
        End: n - 1,
      };
      const target = to[event.key];
      if (target === undefined) return;
      event.preventDefault();
      select(target);
    });
  });
  return h("div", { class: "tabs" }, h("div", { role: "tablist", "aria-label": label }, buttons), panels);
}
