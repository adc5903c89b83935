import { h } from "../lib/dom.ts";
import type { DataSource } from "../lib/types.ts";

const MEANING: Record<string, string> = {
  UP: "a message arrived within the last 90 s",
  WARNING: "no message for more than 90 s",
  DOWN: "no message for more than 180 s",
  UNKNOWN: "no message received yet",
  DISABLED: "the data source is disabled, so its device cannot connect",
};

/**
 * The health status as a coloured badge with a tooltip saying why. A CSS tooltip rather than
 * `title`, so it also shows when the badge gets keyboard focus.
 */
export function healthBadge(health: DataSource["health"]): HTMLElement {
  const why = `${health.status}: ${health.reason} (${MEANING[health.status] ?? ""})`;
  return h(
    "span",
    {
      class: `badge tip health-${health.status.toLowerCase()}`,
      "data-tip": why,
      "aria-label": why,
      role: "img",
      tabindex: 0,
    },
    health.status,
  );
}

/**
 * Connected or not, in words with a dot. "Not connected" beside a fresh message is normal for devices
 * that connect only to send (mosquitto_pub, scripts): the tooltip says so.
 */
export function connectedBadge(state: boolean | DataSource["health"]): HTMLElement {
  const connected = typeof state === "boolean" ? state : state.connected;
  if (connected) return h("span", { class: "connected is-connected" }, "Connected");
  if (typeof state === "boolean") return h("span", { class: "connected is-disconnected" }, "Not connected");
  const why =
    state.status === "UP"
      ? "No device is connected right now, but a message arrived recently: normal for devices that connect only to send (like mosquitto_pub or a script)."
      : "No device is connected right now.";
  return h(
    "span",
    {
      class: "connected is-disconnected tip",
      "data-tip": why,
      "aria-label": `Not connected. ${why}`,
      tabindex: 0,
    },
    "Not connected",
  );
}
