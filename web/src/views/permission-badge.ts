import { h } from "../lib/dom.ts";
import type { Permission } from "../lib/types.ts";

/** What each status means, in words a household understands. */
export const STATUS_MEANING: Record<string, string> = {
  CREATED: "added; waiting for the details from the service",
  FETCHED_DETAILS: "waiting for your decision",
  UNFULFILLABLE: "this hub cannot provide what the service asks for",
  ACCEPTED: "accepted; waiting for the service to confirm",
  FETCHED_MQTT_CREDENTIALS: "confirmed; about to start",
  WAITING_FOR_START: "granted; sharing starts at the start time",
  STREAMING_DATA: "sharing data now",
  REJECTED: "you declined it",
  REVOKED: "you withdrew it",
  TERMINATED: "the service ended it",
  FULFILLED: "its end time was reached",
  FAILED_TO_START: "sharing could not be set up",
};

const TONE: Record<string, string> = {
  STREAMING_DATA: "health-up",
  FETCHED_DETAILS: "health-warning",
  UNFULFILLABLE: "health-down",
  FAILED_TO_START: "health-down",
};

/** The status as a badge, with its meaning as a tooltip (also on keyboard focus). */
export function statusBadge(permission: Pick<Permission, "status">): HTMLElement {
  const why = `${permission.status}: ${STATUS_MEANING[permission.status] ?? ""}`;
  return h(
    "span",
    {
      class: `badge tip ${TONE[permission.status] ?? ""}`,
      "data-tip": why,
      "aria-label": why,
      role: "img",
      tabindex: 0,
      "data-status": permission.status,
    },
    permission.status.replaceAll("_", " "),
  );
}

/** The name of the service asking for the data; unknown until EDDIE's details arrived. */
export function serviceNameOf(permission: Permission): string {
  return permission.serviceName ?? "Waiting for details";
}

/** The first part of an id, enough to tell ids apart at a glance. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}
