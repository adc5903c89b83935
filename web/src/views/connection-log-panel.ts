import { api } from "../lib/api.ts";
import { h, replace } from "../lib/dom.ts";
import { formatTime, timeAgo } from "../lib/format.ts";
import type { ConnectionEvent } from "../lib/types.ts";

const HOUR_MS = 3_600_000;

/**
 * The data source's connection log: a plain sentence about refusals in the last hour ("3 refused
 * logins in the last hour: wrong password, from 192.168.1.23"), and the events themselves in a
 * collapsed table. `refresh` reloads it; the table stays open across refreshes.
 */
export function connectionLogPanel(sourceId: string): { element: HTMLElement; refresh(): Promise<void> } {
  const alert = h("p", { class: "connection-alert", role: "status", hidden: true });
  const body = h("div");
  const details = h("details", { class: "connection-log" }, h("summary", {}, "Connection log"), body);
  const element = h("section", { "aria-label": "Connections" }, alert, details);
  let shown = "";
  const refresh = async () => {
    const log = await api<{ events: ConnectionEvent[] }>(
      "GET",
      `/datasources/${encodeURIComponent(sourceId)}/connections`,
    );
    const key = JSON.stringify(log.events);
    if (key === shown) return;
    shown = key;
    const sentence = refusalSentence(log.events, Date.now());
    alert.hidden = sentence === undefined;
    alert.textContent = sentence ?? "";
    replace(
      body,
      log.events.length === 0
        ? h("p", { class: "muted" }, "No device has connected yet.")
        : table(log.events),
    );
  };
  return { element, refresh };
}

/** "3 refused logins in the last hour: wrong password, from 192.168.1.23", or undefined when there were none. */
export function refusalSentence(events: readonly ConnectionEvent[], now: number): string | undefined {
  const recent = events.filter(
    (e) => e.kind !== "connected" && e.kind !== "disconnected" && now - Date.parse(e.at) <= HOUR_MS,
  );
  if (recent.length === 0) return undefined;
  const parts: string[] = [];
  const logins = recent.filter((e) => e.kind === "refused");
  if (logins.length > 0) parts.push(counted(logins, "refused login", "refused logins"));
  const others = recent.filter((e) => e.kind !== "refused");
  if (others.length > 0)
    parts.push(counted(others, "refused publish or subscription", "refused publishes or subscriptions"));
  return `${parts.join(". ")}.`;
}

function counted(events: readonly ConnectionEvent[], one: string, many: string): string {
  const reasons = [...new Set(events.map((e) => e.reason))].join("; ");
  const addresses = [...new Set(events.map((e) => e.address))].join(", ");
  return `${events.length} ${events.length === 1 ? one : many} in the last hour: ${reasons}, from ${addresses}`;
}

function table(events: readonly ConnectionEvent[]): HTMLElement {
  return h(
    "table",
    {},
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "When"),
        h("th", {}, "What"),
        h("th", {}, "Why"),
        h("th", {}, "From"),
        h("th", {}, "Client"),
      ),
    ),
    h(
      "tbody",
      {},
      events.map((e) =>
        h(
          "tr",
          {},
          h("td", { title: formatTime(e.at) }, timeAgo(e.at)),
          h("td", {}, e.kind.replace("-", " ")),
          h("td", {}, e.reason),
          h("td", {}, e.address),
          h("td", {}, [e.clientId ?? "", e.protocol ? ` (${e.protocol})` : ""].join("")),
        ),
      ),
    ),
  );
}
