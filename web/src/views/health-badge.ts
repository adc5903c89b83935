import { t, tValue } from "../i18n/i18n.ts";
import { h } from "../lib/dom.ts";
import type { DataSource } from "../lib/types.ts";

/**
 * The health status as a coloured badge with a tooltip saying why (AIIDA's name first, for experts). A
 * CSS tooltip rather than `title`, so it also shows when the badge gets keyboard focus.
 */
export function healthBadge(health: DataSource["health"]): HTMLElement {
  const meaning = tValue("health.meaning", health.status);
  const why = t("health.tip", {
    status: health.status,
    reason: health.reason,
    meaning: meaning === health.status ? "" : meaning,
  });
  return h(
    "span",
    {
      class: `badge tip health-${health.status.toLowerCase()}`,
      "data-tip": why,
      "aria-label": why,
      role: "img",
      tabindex: 0,
    },
    tValue("health.status", health.status),
  );
}

/**
 * Connected or not, in words with a dot. "Not connected" beside a fresh message is normal for devices
 * that connect only to send (mosquitto_pub, scripts): the tooltip says so.
 */
export function connectedBadge(state: boolean | DataSource["health"]): HTMLElement {
  const connected = typeof state === "boolean" ? state : state.connected;
  if (connected) return h("span", { class: "connected is-connected" }, t("health.connected"));
  if (typeof state === "boolean")
    return h("span", { class: "connected is-disconnected" }, t("health.notConnected"));
  const why =
    state.status === "UP" ? t("health.notConnectedRecentMessage") : t("health.notConnectedNoDevice");
  return h(
    "span",
    {
      class: "connected is-disconnected tip",
      "data-tip": why,
      "aria-label": t("health.notConnectedLabel", { why }),
      tabindex: 0,
    },
    t("health.notConnected"),
  );
}
