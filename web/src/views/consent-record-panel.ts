import { t } from "../i18n/i18n.ts";
import { h } from "../lib/dom.ts";
import { formatCount, formatTime, humanize } from "../lib/format.ts";
import { refreshedJson } from "../lib/refreshed-json.ts";
import type { ConsentRecord } from "../lib/types.ts";
import type { Panel } from "./data-flow-panel.ts";

/** What left the house under a permission, per quantity, with downloads as CSV and JSON. */
export function consentRecordPanel(permissionId: string): Panel {
  const path = `/api/permissions/${encodeURIComponent(permissionId)}/consent-record`;
  const body = h("div", { class: "consent-body" }, h("p", { class: "muted" }, t("common.loading")));
  const element = h(
    "section",
    { class: "card consent-record", "aria-labelledby": "consent-heading", "data-testid": "consent-record" },
    h("div", { class: "section-head" }, h("h2", { id: "consent-heading" }, t("consent.heading"))),
    h("p", { class: "muted" }, t("consent.intro")),
    body,
    h(
      "div",
      { class: "actions downloads" },
      h(
        "a",
        { href: `${path}?format=csv`, download: `consent-record-${permissionId}.csv`, class: "button" },
        t("consent.downloadCsv"),
      ),
      h(
        "a",
        { href: path, download: `consent-record-${permissionId}.json`, class: "button" },
        t("consent.downloadJson"),
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
    record.grantTime === null
      ? t("consent.notGranted")
      : t("consent.granted", { time: formatTime(record.grantTime) }),
    record.revokeTime !== null && t("consent.revoked", { time: formatTime(record.revokeTime) }),
  );
  if (record.values.length === 0) return [times, h("p", { class: "muted" }, t("consent.none"))];
  const headers = [
    t("common.quantity"),
    t("common.obisCode"),
    t("consent.column.schema"),
    t("consent.column.values"),
    t("consent.column.firstSent"),
    t("consent.column.lastSent"),
  ];
  return [
    times,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "consent-table" },
        h("caption", { class: "offscreen" }, t("consent.caption")),
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
              h("td", {}, v.name === null ? t("common.unknownQuantity") : humanize(v.name)),
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
