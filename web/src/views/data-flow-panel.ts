import { h } from "../lib/dom.ts";
import { formatCount, formatTime, timeAgo } from "../lib/format.ts";
import { type Refreshed, refreshedJson } from "../lib/refreshed-json.ts";
import type { DataFlow, SentMessage } from "../lib/types.ts";
import { connectedBadge } from "./health-badge.ts";

/** A panel that shows how a permission's data flows to EDDIE's broker; the page calls refresh. */
export interface Panel extends Refreshed {
  readonly element: HTMLElement;
}

/** EP broker connection, transmission, outbox and the last message per schema. */
export function dataFlowPanel(permissionId: string): Panel {
  const body = h("div", { class: "flow-body" }, h("p", { class: "muted" }, "Loading…"));
  const element = h(
    "section",
    { class: "card data-flow", "aria-labelledby": "flow-heading", "data-testid": "data-flow" },
    h("h2", { id: "flow-heading" }, "Data flow"),
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
    flow.transmissionEnabled === null ? "–" : flow.transmissionEnabled ? "On" : "Off (messages are held)";
  const outbox = flow.outbox;
  return [
    h(
      "dl",
      { class: "credentials flow-facts" },
      h("dt", {}, "EP broker"),
      h("dd", { "data-fact": "broker" }, connectedBadge(flow.brokerConnected)),
      h("dt", {}, "Transmission"),
      h("dd", { "data-fact": "transmission" }, transmission),
      h("dt", {}, "Schedule"),
      h("dd", {}, flow.transmissionSchedule === null ? "–" : h("code", {}, flow.transmissionSchedule)),
      h("dt", {}, "Waiting to be sent"),
      h(
        "dd",
        { "data-fact": "outbox" },
        `${formatCount(outbox.dataMessages)} data, ${formatCount(outbox.statusMessages)} status message(s)`,
        outbox.maxDataMessages !== null && ` (at most ${formatCount(outbox.maxDataMessages)} kept)`,
        outbox.oldestWaitingSince !== null && `, oldest since ${formatTime(outbox.oldestWaitingSince)}`,
      ),
      h("dt", {}, "Dropped"),
      h(
        "dd",
        { "data-fact": "dropped" },
        `${formatCount(outbox.droppedOldest)} oldest dropped when the outbox was full, ` +
          `${formatCount(outbox.discardedAtEnd)} discarded at the end`,
      ),
      flow.finalStatus !== null && h("dt", {}, "Final status"),
      flow.finalStatus !== null && h("dd", {}, flow.finalStatus),
    ),
    h("h3", {}, "Last message sent per schema"),
    flow.lastSent.length === 0
      ? h("p", { class: "muted" }, "Nothing sent yet.")
      : h(
          "div",
          { class: "last-sent" },
          flow.lastSent.map((m) => sentMessage(m.schema, m, open)),
        ),
    flow.lastStatusMessage !== null && sentMessage("Status message", flow.lastStatusMessage, open),
  ].filter((el): el is HTMLElement => el !== false);
}

function sentMessage(label: string, message: SentMessage, open: ReadonlySet<string>): HTMLElement {
  return h(
    "details",
    { class: "sent-message", "data-schema": label, "data-key": label, open: open.has(label) },
    h(
      "summary",
      {},
      h("span", { class: "schema" }, label),
      " — sent ",
      message.sentAt === null
        ? "never"
        : h("time", { datetime: message.sentAt, title: formatTime(message.sentAt) }, timeAgo(message.sentAt)),
    ),
    h("pre", {}, JSON.stringify(message.content, null, 2)),
  );
}
