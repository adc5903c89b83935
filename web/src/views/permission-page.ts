import { t, tValue } from "../i18n/i18n.ts";
import { ApiError, api, messageOf } from "../lib/api.ts";
import { catalogue } from "../lib/catalogue.ts";
import { h, replace } from "../lib/dom.ts";
import { formatCount, formatTime, humanize } from "../lib/format.ts";
import type { Cleanup } from "../lib/router.ts";
import type { Catalogue, Permission } from "../lib/types.ts";
import { assetName } from "./asset-name.ts";
import { consentRecordPanel } from "./consent-record-panel.ts";
import { dataFlowPanel } from "./data-flow-panel.ts";
import { notFoundView } from "./not-found-view.ts";
import { permissionActions } from "./permission-actions.ts";
import { serviceNameOf, statusBadge, statusLabel, statusMeaning } from "./permission-badge.ts";
import { period } from "./permissions-view.ts";

/** How often the page refreshes the permission and its data flow while it is open. */
const REFRESH_MS = 3000;

/** One permission: what the service asked for, its state and actions, and once granted what it received. */
export function permissionPage(main: HTMLElement, params: Record<string, string>): Cleanup {
  const id = params.id ?? "";
  const title = h("h1", {}, t("common.loading"));
  const badges = h("span", { class: "title-badges" });
  const head = h("div", { class: "source-head" });
  const details = h("section", { class: "card permission-details", "aria-labelledby": "need-heading" });
  const flow = h("div", { class: "permission-flow" });
  replace(
    main,
    h("a", { href: "/permissions", class: "back" }, t("permission.back")),
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
    document.title = t("permission.documentTitle", { service: name });
    replace(badges, statusBadge(permission));
    replace(
      head,
      h(
        "p",
        { class: "meta" },
        t("permission.meta", { id: permission.permissionId, eddieId: permission.eddieId }),
      ),
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
      title.textContent = t("permission.notAvailable");
      replace(badges);
      replace(head, h("p", { class: "form-error", role: "alert" }, messageOf(err)));
      replace(details, h("a", { href: "/permissions" }, t("permission.backToList")));
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
    h(
      "p",
      { title: p.status },
      t("permission.explanation", { status: statusLabel(p.status), meaning: statusMeaning(p.status) }),
    ),
    p.statusReason && h("p", { class: "notice" }, p.statusReason),
    p.problems.length > 0 &&
      h(
        "ul",
        { class: "problems" },
        p.problems.map((problem) =>
          h("li", {}, h("code", { class: "json-path" }, problem.path), ` ${problem.reason}`),
        ),
      ),
    p.pendingStep && h("p", { class: "muted pending-step" }, retrying(p.pendingStep)),
    p.lastError && h("p", { class: "warning last-error" }, t("permission.lastError", { error: p.lastError })),
  );
}

/** The step the hub retries, in words (AIIDA's step name stays in the title for experts). */
function retrying(step: NonNullable<Permission["pendingStep"]>): HTMLElement {
  const values = { step: tValue("permission.step", step.step), attempt: formatCount(step.attempts) };
  return h(
    "span",
    { title: step.step },
    step.nextAttemptAt
      ? t("permission.retryingNext", { ...values, time: formatTime(step.nextAttemptAt) })
      : t("permission.retrying", values),
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
  const heading = h("h2", { id: "need-heading" }, t("permission.need.heading"));
  if (need === null) return [heading, h("p", { class: "muted" }, t("permission.need.notYet"))];
  const row = (label: string, ...value: Array<Node | string | null | false>) => [
    h("dt", {}, label),
    h("dd", {}, ...value),
  ];
  return [
    heading,
    h(
      "dl",
      { class: "credentials need" },
      row(t("permission.need.service"), need.name),
      need.description !== "" && row(t("permission.need.description"), need.description),
      row(t("permission.need.purpose"), need.purpose),
      row(t("permission.need.policy"), policyLink(need.policyLink)),
      row(t("permission.need.period"), period(p)),
      row(
        t("permission.need.schedule"),
        h("code", {}, p.effectiveTransmissionSchedule ?? need.transmissionSchedule),
        t("permission.need.cron"),
      ),
      row(t("permission.need.asset"), h("span", { title: need.asset }, assetName(need.asset))),
      row(t("permission.need.schemas"), need.schemas.join(", ")),
      p.unsupportedSchemas.length > 0 &&
        row(
          t("permission.need.unsupportedSchemas"),
          h("span", { class: "warning" }, p.unsupportedSchemas.join(", ")),
        ),
      row(
        t("common.dataSource"),
        p.dataSource === null
          ? t("permission.need.noSourceYet")
          : (p.dataSource.name ?? t("permission.need.sourceDeleted")),
      ),
      row(
        t("permission.need.granted"),
        p.grantTime === null ? t("permission.need.notGranted") : formatTime(p.grantTime),
      ),
      p.revokeTime !== null && row(t("permission.need.revoked"), formatTime(p.revokeTime)),
    ),
    h("h3", {}, t("permission.need.data")),
    dataTagTable(need.dataTags, cat),
  ];
}

function dataTagTable(tags: readonly string[], cat: Catalogue): HTMLElement {
  if (tags.length === 0) return h("p", {}, t("permission.need.everyQuantity"));
  return h(
    "table",
    { class: "data-tags" },
    h("caption", { class: "offscreen" }, t("permission.need.quantitiesCaption")),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("common.quantity")),
        h("th", { scope: "col" }, t("common.obisCode")),
      ),
    ),
    h(
      "tbody",
      {},
      tags.map((code) => {
        const known = cat.obisCodes.find((o) => o.code === code);
        return h(
          "tr",
          { "data-obis": code },
          h("td", {}, known ? humanize(known.name) : t("common.unknownQuantity")),
          h("td", {}, h("code", {}, code)),
        );
      }),
    ),
  );
}
