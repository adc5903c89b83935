import { h } from "./dom.ts";

let region: HTMLElement | undefined;

/** Shows a short message that screen readers announce, then fades it out. */
export function toast(message: string, kind: "info" | "error" = "info"): void {
  if (!region) {
    region = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(region);
  }
  const item = h("p", { class: `toast toast-${kind}` }, message);
  region.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 3000);
}
