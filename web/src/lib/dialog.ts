import { t } from "../i18n/i18n.ts";
import { type Child, h } from "./dom.ts";

/** An open modal dialog and how to close it. */
export interface OpenDialog {
  readonly element: HTMLDialogElement;
  close(): void;
}

/** How a dialog looks and closes. */
export interface DialogOptions {
  readonly wide?: boolean;
  /**
   * Asked when the user closes the dialog with Escape or its × button; it stays open unless this
   * resolves true. `OpenDialog.close` (the dialog's own buttons) does not ask.
   */
  readonly confirmClose?: () => Promise<boolean>;
}

/**
 * Opens a native modal dialog (it traps focus and closes on Escape by itself, unless
 * `confirmClose` says otherwise), removes it from the page when it closes, and gives focus back to
 * what had it before.
 */
export function openDialog(
  title: string,
  content: Child[],
  onClosed: () => void,
  options: DialogOptions = {},
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
  let asking = false;
  const requestClose = async () => {
    if (!options.confirmClose) return element.close();
    if (asking) return;
    asking = true;
    const confirmed = await options.confirmClose().finally(() => {
      asking = false;
    });
    if (confirmed) element.close();
  };
  close.addEventListener("click", () => void requestClose());
  if (options.confirmClose) {
    // Escape is caught on keydown: after repeated Escapes without a click between, Chromium no longer
    // lets the page cancel the dialog's own close (the third, in Chromium 156) and it would close unasked.
    element.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      void requestClose();
    });
    // Any other close request the browser makes (a phone's back gesture) asks as well.
    element.addEventListener("cancel", (event) => {
      event.preventDefault();
      void requestClose();
    });
  }
  element.addEventListener("close", () => {
    element.remove();
    onClosed();
    if (before?.isConnected) before.focus();
  });
  document.body.append(element);
  element.showModal();
  return { element, close: () => element.close() };
}
