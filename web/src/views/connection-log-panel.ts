import { type PluralBase, t, tn, tValue } from "../i18n/i18n.ts";
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
  const details = h("details", { class: "connection-log" }, h("summary", {}, t("connections.log")), body);
  const element = h("section", { "aria-label": t("connections.label") }, alert, details);
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
      log.events.length === 0 ? h("p", { class: "muted" }, t("connections.none")) : table(log.events),
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
  if (logins.length > 0) parts.push(counted(logins, "connections.refusedLogins"));
  const others = recent.filter((e) => e.kind !== "refused");
  if (others.length > 0) parts.push(counted(others, "connections.refusedOthers"));
  return parts.join(" ");
}

function counted(events: readonly ConnectionEvent[], sentence: PluralBase): string {
  // The reasons are the hub's own words, and the addresses are data: both listed as they are.
  const reasons = [...new Set(events.map((e) => e.reason))].join("; ");
  const addresses = [...new Set(events.map((e) => e.address))].join(", ");
  return tn(sentence, events.length, { reasons, addresses });
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
        h("th", {}, t("connections.column.when")),
        h("th", {}, t("connections.column.what")),
        h("th", {}, t("connections.column.why")),
        h("th", {}, t("connections.column.from")),
        h("th", {}, t("connections.column.client")),
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
          h("td", { title: e.kind }, tValue("connections.kind", e.kind)),
          h("td", {}, e.reason),
          h("td", {}, e.address),
          h("td", {}, [e.clientId ?? "", e.protocol ? ` (${e.protocol})` : ""].join("")),
        ),
      ),
    ),
  );
}
