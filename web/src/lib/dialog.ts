import { t } from "../i18n/i18n.ts";
import { type Child, h } from "./dom.ts";

/** An open modal dialog and how to close it. */
export interface OpenDialog {
  readonly element: HTMLDialogElement;
  close(): void;
}

/**
 * Opens a native modal dialog (it traps focus and closes on Escape by itself), removes it from the
 * page when it closes, and gives focus back to what had it before.
 */
export function openDialog(
  title: string,
  content: Child[],
  onClosed: () => void,
  options: { wide?: boolean } = {},
): OpenDialog {
  const before = document.activeElement as HTMLElement | null;
  const titleId = `dialog-title-${Math.random().toString(36).slice(2, 8)}`;
  const close = h(
    "button",
    { type: "button", class: "icon-button dialog-close", "aria-label": t("common.close") },
    "×",
  );
  const element = h(
    "dialog",
    { class: options.wide ? "dialog wide" : "dialog", "aria-labelledby": titleId },
    h("div", { class: "dialog-head" }, h("h2", { id: titleId }, title), close),
    h("div", { class: "dialog-body" }, ...content),
  );
  close.addEventListener("click", () => element.close());
  element.addEventListener("close", () => {
    element.remove();
    onClosed();
    if (before?.isConnected) before.focus();
  });
  document.body.append(element);
  element.showModal();
  return { element, close: () => element.close() };
}
