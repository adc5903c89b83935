import { h } from "../lib/dom.ts";
import { formatCount, formatTime, humanize } from "../lib/format.ts";
import { refreshedJson } from "../lib/refreshed-json.ts";
import type { ConsentRecord } from "../lib/types.ts";
import type { Panel } from "./data-flow-panel.ts";

/** What left the house under a permission, per quantity, with downloads as CSV and JSON. */
export function consentRecordPanel(permissionId: string): Panel {
  const path = `/api/permissions/${encodeURIComponent(permissionId)}/consent-record`;
  const body = h("div", { class: "consent-body" }, h("p", { class: "muted" }, "Loading…"));
  const element = h(
    "section",
    { class: "card consent-record", "aria-labelledby": "consent-heading", "data-testid": "consent-record" },
    h("div", { class: "section-head" }, h("h2", { id: "consent-heading" }, "Consent record")),
    h(
      "p",
      { class: "muted" },
      "What left the house: every value the service's broker acknowledged, counted per quantity and schema.",
    ),
    body,
    h(
      "div",
      { class: "actions downloads" },
      h(
        "a",
        { href: `${path}?format=csv`, download: `consent-record-${permissionId}.csv`, class: "button" },
        "Download CSV",
      ),
      h(
        "a",
        { href: path, download: `consent-record-${permissionId}.json`, class: "button" },
        "Download JSON",
      ),
    ),
  );
  return {
    element,
    ...refreshedJson<ConsentRecord>(
      body,
      `/permissions/${encodeURIComponent(permissionId)}/consent-record`,
      render,
    ),
  };
}

function render(record: ConsentRecord): HTMLElement[] {
  const times = h(
    "p",
    { class: "meta" },
    `Granted ${record.grantTime === null ? "never" : formatTime(record.grantTime)}`,
    record.revokeTime !== null && ` · revoked ${formatTime(record.revokeTime)}`,
  );
  if (record.values.length === 0)
    return [times, h("p", { class: "muted" }, "No values have left the house yet.")];
  const headers = ["Quantity", "OBIS code", "Schema", "Values", "First sent", "Last sent"];
  return [
    times,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "consent-table" },
        h("caption", { class: "offscreen" }, "Values sent per quantity"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            headers.map((name) => h("th", { scope: "col" }, name)),
          ),
        ),
        h(
          "tbody",
          {},
          record.values.map((v) =>
            h(
              "tr",
              { "data-obis": v.obisCode, "data-schema": v.schema },
              h("td", {}, v.name === null ? "Unknown quantity" : humanize(v.name)),
              h("td", {}, h("code", {}, v.obisCode)),
              h("td", {}, v.schema),
              h("td", { class: "num", "data-count": v.values }, formatCount(v.values)),
              h("td", {}, formatTime(v.firstSentAt)),
              h("td", {}, formatTime(v.lastSentAt)),
            ),
          ),
        ),
      ),
    ),
  ];
}
