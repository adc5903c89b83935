import { api, messageOf } from "./api.ts";
import { type Child, h, replace } from "./dom.ts";

/** Content that a page refreshes on its timer, and stops when the page is left. */
export interface Refreshed {
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * GETs `path` on each refresh and renders it into `body` only when the JSON changed (so what the
 * reader opened or selected stays), or the request's error when it failed.
 */
export function refreshedJson<T>(
  body: HTMLElement,
  path: string,
  render: (value: T) => Child | Child[],
): Refreshed {
  let stopped = false;
  let shown = "";
  return {
    async refresh() {
      try {
        const value = await api<T>("GET", path);
        const key = JSON.stringify(value);
        if (stopped || key === shown) return;
        shown = key;
        replace(body, render(value));
      } catch (err) {
        if (stopped) return;
        shown = "";
        replace(body, h("p", { class: "form-error", role: "alert" }, messageOf(err)));
      }
    },
    stop() {
      stopped = true;
    },
  };
}
