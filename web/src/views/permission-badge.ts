import { t, tValue } from "../i18n/i18n.ts";
import { h } from "../lib/dom.ts";
import type { Permission } from "../lib/types.ts";

/** A status in the reader's words (AIIDA's name where there are none). */
export function statusLabel(status: string): string {
  return tValue("permission.status", status);
}

/** What a status means, in words a household understands; empty for a status the UI does not know. */
export function statusMeaning(status: string): string {
  const meaning = tValue("permission.meaning", status);
  return meaning === status ? "" : meaning;
}

const TONE: Record<string, string> = {
  STREAMING_DATA: "health-up",
  FETCHED_DETAILS: "health-warning",
  UNFULFILLABLE: "health-down",
  FAILED_TO_START: "health-down",
};

/** The status as a badge, with AIIDA's name and its meaning as a tooltip (also on keyboard focus). */
export function statusBadge(permission: Pick<Permission, "status">): HTMLElement {
  const why = t("permission.statusTip", {
    status: permission.status,
    meaning: statusMeaning(permission.status),
  });
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
    statusLabel(permission.status),
  );
}

/** The name of the service asking for the data; unknown until EDDIE's details arrived. */
export function serviceNameOf(permission: Permission): string {
  return permission.serviceName ?? t("permission.serviceUnknown");
}

/** The first part of an id, enough to tell ids apart at a glance. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}
