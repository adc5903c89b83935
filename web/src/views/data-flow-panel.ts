import { t, tn, tParts } from "../i18n/i18n.ts";
import { h } from "../lib/dom.ts";
import { formatCount, formatTime, timeAgo } from "../lib/format.ts";
import { type Refreshed, refreshedJson } from "../lib/refreshed-json.ts";
import type { DataFlow, SentMessage } from "../lib/types.ts";
import { connectedBadge } from "./health-badge.ts";
import { statusLabel } from "./permission-badge.ts";

/** A panel that shows how a permission's data flows to EDDIE's broker; the page calls refresh. */
export interface Panel extends Refreshed {
  readonly element: HTMLElement;
}

/** EP broker connection, transmission, outbox and the last message per schema. */
export function dataFlowPanel(permissionId: string): Panel {
  const body = h("div", { class: "flow-body" }, h("p", { class: "muted" }, t("common.loading")));
  const element = h(
    "section",
    { class: "card data-flow", "aria-labelledby": "flow-heading", "data-testid": "data-flow" },
    h("h2", { id: "flow-heading" }, t("dataFlow.heading")),
    body,
  );
  const path = `/permissions/${encodeURIComponent(permissionId)}/data-flow`;
  return {
    element,
    ...refreshedJson<DataFlow>(body, path, (flow) => {
      // Keep open what the reader opened.
      const open = new Set(
        [...body.querySelectorAll<HTMLDetailsElement>("details[open]")].map((d) => d.dataset.key ?? ""),
      );
      return render(flow, open);
    }),
  };
}

function render(flow: DataFlow, open: ReadonlySet<string>): HTMLElement[] {
  const transmission =
    flow.transmissionEnabled === null
      ? "–"
      : flow.transmissionEnabled
        ? t("dataFlow.transmissionOn")
        : t("dataFlow.transmissionOff");
  const outbox = flow.outbox;
  return [
    h(
      "dl",
      { class: "credentials flow-facts" },
      h("dt", {}, t("dataFlow.broker")),
      h("dd", { "data-fact": "broker" }, connectedBadge(flow.brokerConnected)),
      h("dt", {}, t("dataFlow.transmission")),
      h("dd", { "data-fact": "transmission" }, transmission),
      h("dt", {}, t("dataFlow.schedule")),
      h("dd", {}, flow.transmissionSchedule === null ? "–" : h("code", {}, flow.transmissionSchedule)),
      h("dt", {}, t("dataFlow.waiting")),
      h(
        "dd",
        { "data-fact": "outbox" },
        t("dataFlow.outbox", {
          data: tn("dataFlow.dataMessages", outbox.dataMessages),
          status: tn("dataFlow.statusMessages", outbox.statusMessages),
        }),
        outbox.maxDataMessages !== null &&
          t("dataFlow.outboxMax", { n: formatCount(outbox.maxDataMessages) }),
        outbox.oldestWaitingSince !== null &&
          t("dataFlow.outboxOldest", { time: formatTime(outbox.oldestWaitingSince) }),
      ),
      h("dt", {}, t("dataFlow.dropped")),
      h(
        "dd",
        { "data-fact": "dropped" },
        t("dataFlow.droppedText", {
          dropped: formatCount(outbox.droppedOldest),
          discarded: formatCount(outbox.discardedAtEnd),
        }),
      ),
      flow.finalStatus !== null && h("dt", {}, t("dataFlow.finalStatus")),
      flow.finalStatus !== null && h("dd", { title: flow.finalStatus }, statusLabel(flow.finalStatus)),
    ),
    h("h3", {}, t("dataFlow.lastSent")),
    flow.lastSent.length === 0
      ? h("p", { class: "muted" }, t("dataFlow.nothingSent"))
      : h(
          "div",
          { class: "last-sent" },
          flow.lastSent.map((m) => sentMessage(m.schema, m, open)),
        ),
    flow.lastStatusMessage !== null &&
      sentMessage(STATUS_MESSAGE, flow.lastStatusMessage, open, t("dataFlow.statusMessage")),
  ].filter((el): el is HTMLElement => el !== false);
}

/** What marks the status message among the schemas' messages (AIIDA's schema names are upper case). */
const STATUS_MESSAGE = "status-message";

function sentMessage(key: string, message: SentMessage, open: ReadonlySet<string>, label = key): HTMLElement {
  return h(
    "details",
    { class: "sent-message", "data-schema": key, "data-key": key, open: open.has(key) },
    h(
      "summary",
      {},
      h("span", { class: "schema" }, label),
      message.sentAt === null
        ? t("dataFlow.notSent")
        : tParts("dataFlow.sent", {
            when: h(
              "time",
              { datetime: message.sentAt, title: formatTime(message.sentAt) },
              timeAgo(message.sentAt),
            ),
          }),
    ),
    h("pre", {}, JSON.stringify(message.content, null, 2)),
  );
}
