import { ApiError, api, messageOf } from "../lib/api.ts";
import { catalogue } from "../lib/catalogue.ts";
import { h, replace } from "../lib/dom.ts";
import { formatTime, humanize } from "../lib/format.ts";
import type { Cleanup } from "../lib/router.ts";
import type { Catalogue, Permission } from "../lib/types.ts";
import { consentRecordPanel } from "./consent-record-panel.ts";
import { dataFlowPanel } from "./data-flow-panel.ts";
import { notFoundView } from "./not-found-view.ts";
import { permissionActions } from "./permission-actions.ts";
import { STATUS_MEANING, serviceNameOf, statusBadge } from "./permission-badge.ts";
import { period } from "./permissions-view.ts";

/** How often the page refreshes the permission and its data flow while it is open. */
const REFRESH_MS = 3000;

/** One permission: what the service asked for, its state and actions, and once granted what it received. */
export function permissionPage(main: HTMLElement, params: Record<string, string>): Cleanup {
  const id = params.id ?? "";
  const title = h("h1", {}, "Loading…");
  const badges = h("span", { class: "title-badges" });
  const head = h("div", { class: "source-head" });
  const details = h("section", { class: "card permission-details", "aria-labelledby": "need-heading" });
  const flow = h("div", { class: "permission-flow" });
  replace(
    main,
    h("a", { href: "/permissions", class: "back" }, "← All permissions"),
    h("div", { class: "title-row" }, title, badges),
    head,
    details,
    flow,
  );
  let stopped = false;
  let shown = "";
  let flowCleanup: Cleanup | undefined;

  const render = async (permission: Permission) => {
    const key = JSON.stringify(permission);
    if (key === shown || stopped) return;
    shown = key;
    const cat = await catalogue();
    // Keep focus on an action button when the header is rebuilt under it.
    const active = document.activeElement;
    const focused = head.contains(active) ? active?.textContent : undefined;
    const name = serviceNameOf(permission);
    if (title.textContent !== name) title.textContent = name;
    document.title = `${name} · aiida-hub`;
    replace(badges, statusBadge(permission));
    replace(
      head,
      h("p", { class: "meta" }, `Permission ${permission.permissionId} · EDDIE ${permission.eddieId}`),
      statusExplanation(permission),
      permissionActions(permission, (saved) => void render(saved)),
    );
    if (focused) {
      [...head.querySelectorAll<HTMLElement>("button")].find((b) => b.textContent === focused)?.focus();
    }
    replace(details, needDetails(permission, cat));
    // Data only flows once the permission was granted.
    if (permission.grantTime !== null && flowCleanup === undefined) flowCleanup = flowPanels(flow, id);
  };

  const load = async (first: boolean) => {
    try {
      const permission = await api<Permission>("GET", `/permissions/${encodeURIComponent(id)}`);
      await render(permission);
    } catch (err) {
      if (stopped || (!first && !(err instanceof ApiError && err.status === 404))) return;
      clearInterval(timer);
      // A link to a permission that does not exist is an unknown page, as an unknown path is.
      if (first && err instanceof ApiError && err.status === 404) {
        notFoundView(main);
        return;
      }
      title.textContent = "Permission not available";
      replace(badges);
      replace(head, h("p", { class: "form-error", role: "alert" }, messageOf(err)));
      replace(details, h("a", { href: "/permissions" }, "Back to the list"));
    }
  };
  void load(true);
  const timer = setInterval(() => void load(false), REFRESH_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
    flowCleanup?.();
  };
}

/** The data flow and consent record, refreshed together. */
function flowPanels(container: HTMLElement, id: string): Cleanup {
  const flow = dataFlowPanel(id);
  const consent = consentRecordPanel(id);
  replace(container, flow.element, consent.element);
  const refresh = () => {
    void flow.refresh();
    void consent.refresh();
  };
  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => {
    clearInterval(timer);
    flow.stop();
    consent.stop();
  };
}

/** Why the permission is where it is: the status in words, EDDIE's problems, a step being retried. */
function statusExplanation(p: Permission): HTMLElement {
  return h(
    "div",
    { class: "status-explanation" },
    h("p", {}, `${humanize(p.status)}: ${STATUS_MEANING[p.status] ?? ""}.`),
    p.statusReason && h("p", { class: "notice" }, p.statusReason),
    p.problems.length > 0 &&
      h(
        "ul",
        { class: "problems" },
        p.problems.map((problem) =>
          h("li", {}, h("code", { class: "json-path" }, problem.path), ` ${problem.reason}`),
        ),
      ),
    p.pendingStep &&
      h(
        "p",
        { class: "muted pending-step" },
        `Retrying “${humanize(p.pendingStep.step)}” (attempt ${p.pendingStep.attempts}${
          p.pendingStep.nextAttemptAt ? `, next ${formatTime(p.pendingStep.nextAttemptAt)}` : ""
        }).`,
      ),
    p.lastError && h("p", { class: "warning last-error" }, `Last error: ${p.lastError}`),
  );
}

/** A link to the service's policy, only for http(s) addresses; anything else shows as text. */
function policyLink(url: string): HTMLElement | string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "https:" || parsed.protocol === "http:")
      return h("a", { href: parsed.href, rel: "noopener noreferrer", target: "_blank" }, url);
  } catch {
    // Not a URL: shown as text below.
  }
  return url;
}

function needDetails(p: Permission, cat: Catalogue): Array<HTMLElement> {
  const need = p.dataNeed;
  const heading = h("h2", { id: "need-heading" }, "What the service asks for");
  if (need === null)
    return [heading, h("p", { class: "muted" }, "The details have not arrived from the service yet.")];
  const row = (label: string, ...value: Array<Node | string | null | false>) => [
    h("dt", {}, label),
    h("dd", {}, ...value),
  ];
  return [
    heading,
    h(
      "dl",
      { class: "credentials need" },
      row("Service", need.name),
      need.description !== "" && row("Description", need.description),
      row("Purpose", need.purpose),
      row("Policy", policyLink(need.policyLink)),
      row("Period", period(p)),
      row(
        "Schedule",
        h("code", {}, p.effectiveTransmissionSchedule ?? need.transmissionSchedule),
        " (cron, with seconds)",
      ),
      row("Asset", humanize(need.asset)),
      row("Schemas", need.schemas.join(", ")),
      p.unsupportedSchemas.length > 0 &&
        row("Unsupported schemas", h("span", { class: "warning" }, p.unsupportedSchemas.join(", "))),
      row(
        "Data source",
        p.dataSource === null ? "none chosen yet" : (p.dataSource.name ?? "deleted data source"),
      ),
      row("Granted", p.grantTime === null ? "not yet" : formatTime(p.grantTime)),
      p.revokeTime !== null && row("Revoked", formatTime(p.revokeTime)),
    ),
    h("h3", {}, "Data"),
    dataTagTable(need.dataTags, cat),
  ];
}

function dataTagTable(tags: readonly string[], cat: Catalogue): HTMLElement {
  if (tags.length === 0) return h("p", {}, "Every quantity the data source measures.");
  return h(
    "table",
    { class: "data-tags" },
    h("caption", { class: "offscreen" }, "Quantities shared"),
    h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col" }, "Quantity"), h("th", { scope: "col" }, "OBIS code")),
    ),
    h(
      "tbody",
      {},
      tags.map((code) => {
        const known = cat.obisCodes.find((o) => o.code === code);
        return h(
          "tr",
          { "data-obis": code },
          h("td", {}, known ? humanize(known.name) : "Unknown quantity"),
          h("td", {}, h("code", {}, code)),
        );
      }),
    ),
  );
}
