import { t, tParts, tValue } from "../i18n/i18n.ts";
import { ApiError, api, messageOf } from "../lib/api.ts";
import { catalogue } from "../lib/catalogue.ts";
import { countryName } from "../lib/country-name.ts";
import { h, replace } from "../lib/dom.ts";
import { formatCount, formatTime, timeAgo } from "../lib/format.ts";
import { caCertificateUrl, caDownloadLink } from "../lib/hub-tls.ts";
import { roleText } from "../lib/quantity-names.ts";
import type { Cleanup } from "../lib/router.ts";
import { brokerParts } from "../lib/snippets.ts";
import type { DataSource } from "../lib/types.ts";
import { connectionLogPanel } from "./connection-log-panel.ts";
import { connectedBadge, healthBadge } from "./health-badge.ts";
import { historyView } from "./history-view.ts";
import { liveView } from "./live-view.ts";
import { notFoundView } from "./not-found-view.ts";
import { sourceActions } from "./source-actions.ts";

/** How often the header refreshes health and counters. */
const REFRESH_MS = 5000;

/** One data source: header with health and actions, then its live or history tab. */
export function sourcePage(tab: "live" | "history") {
  return (main: HTMLElement, params: Record<string, string>): Cleanup => {
    const id = params.id ?? "";
    // The heading stays the same element across refreshes, so focus on it (after navigation) survives.
    const title = h("h1", {}, t("common.loading"));
    const badges = h("span", { class: "title-badges" });
    const head = h("div", { class: "source-head" });
    const body = h("div", { class: "source-body" });
    // Kept outside the rebuilt header, so an opened log stays open across refreshes.
    const connections = connectionLogPanel(id);
    replace(
      main,
      h("a", { href: "/sources", class: "back" }, t("source.back")),
      h("div", { class: "title-row" }, title, badges),
      head,
      connections.element,
      body,
    );
    let stopped = false;
    let bodyCleanup: Cleanup | undefined;
    // The role the tab's quantity names were made for; a new role builds the tab again.
    let bodyRole: string | undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    let shown = "";

    const renderHead = async (source: DataSource) => {
      const key = JSON.stringify(source);
      if (key === shown) return;
      shown = key;
      const countries = (await catalogue()).countries;
      const listed = countries.find((c) => c.code === source.countryCode)?.name ?? source.countryCode;
      const country = countryName(source.countryCode, listed);
      // Keep focus on an action button when the header is rebuilt under it.
      const rebuilt = [badges, head];
      const active = document.activeElement;
      const focused = rebuilt.some((el) => el.contains(active)) ? active?.textContent : undefined;
      const detailsOpen = head.querySelector("details")?.open ?? false;
      if (title.textContent !== source.name) title.textContent = source.name;
      replace(badges, healthBadge(source.health), connectedBadge(source.health));
      replace(
        head,
        h(
          "p",
          { class: "meta" },
          [
            source.type,
            tValue("asset", source.asset),
            roleText(source.role),
            country,
            tValue("icon", source.icon),
            source.meterId && t("common.meter", { id: source.meterId }),
            source.operatorId && t("common.operator", { id: source.operatorId }),
          ]
            .filter((part) => part)
            .join(" · "),
        ),
        h(
          "p",
          { class: "meta stats" },
          tParts<HTMLElement>("source.lastMessage", {
            ago: h(
              "span",
              { title: formatTime(source.health.lastMessageAt) },
              timeAgo(source.health.lastMessageAt),
            ),
          }),
          t("source.counts", {
            accepted: formatCount(source.stats.messagesAccepted),
            rejected: formatCount(source.stats.messagesRejected),
          }),
        ),
        sourceActions(source, (saved) => void renderHead(saved).then(() => showBody(saved))),
        connectionDetails(source, detailsOpen),
        h(
          "nav",
          { class: "tab-links", "aria-label": t("source.views") },
          h(
            "a",
            { href: `/sources/${id}`, "aria-current": tab === "live" ? "page" : false },
            t("source.tab.live"),
          ),
          h(
            "a",
            { href: `/sources/${id}/history`, "aria-current": tab === "history" ? "page" : false },
            t("source.tab.history"),
          ),
        ),
      );
      if (focused) {
        const again = rebuilt
          .flatMap((el) => [...el.querySelectorAll<HTMLElement>("button, summary, a, [tabindex]")])
          .find((b) => b.textContent === focused);
        again?.focus();
      }
    };

    /** Builds the live or history tab, at first and again when the source's role changed. */
    const showBody = async (source: DataSource) => {
      const cat = await catalogue();
      if (stopped || source.role === bodyRole) return;
      bodyRole = source.role;
      bodyCleanup?.();
      bodyCleanup =
        tab === "live" ? liveView(body, source, cat, refreshSoon) : historyView(body, source, cat);
    };

    const load = async (first: boolean) => {
      try {
        const source = await api<DataSource>("GET", `/datasources/${encodeURIComponent(id)}`);
        if (stopped) return;
        await renderHead(source);
        await connections.refresh();
        if (first && !stopped) document.title = t("source.documentTitle", { name: source.name });
        await showBody(source);
      } catch (err) {
        if (stopped || (!first && !(err instanceof ApiError && err.status === 404))) return;
        clearInterval(timer);
        // A link to a data source that does not exist is an unknown page, as an unknown path is.
        if (first && err instanceof ApiError && err.status === 404) {
          notFoundView(main);
          return;
        }
        title.textContent = t("source.notAvailable");
        replace(badges);
        replace(head);
        replace(
          body,
          h("p", { class: "form-error", role: "alert" }, messageOf(err)),
          h("a", { href: "/sources" }, t("source.backToList")),
        );
      }
    };
    // When the live stream brings news, refresh health and counters promptly (at most every 2 s).
    let pending: ReturnType<typeof setTimeout> | undefined;
    const refreshSoon = () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        if (!stopped) void load(false);
      }, 2000);
    };
    void load(true);
    timer = setInterval(() => void load(false), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
      clearTimeout(pending);
      bodyCleanup?.();
    };
  };
}

function connectionDetails(source: DataSource, open: boolean): HTMLElement {
  // Filled in once the hub says devices need its CA certificate to trust the broker.
  const caRow = h("div", { class: "ca-row" });
  if (brokerParts(source.mqtt.brokerUrl).tls) {
    void caCertificateUrl().then((url) => {
      if (url !== undefined)
        replace(caRow, h("dt", {}, t("source.caCertificate")), h("dd", {}, caDownloadLink(url)));
    });
  }
  return h(
    "details",
    { class: "connection-details", open },
    h("summary", {}, t("source.connectionDetails")),
    h(
      "dl",
      { class: "credentials" },
      h("dt", {}, t("credentials.brokerUrl")),
      h("dd", {}, h("code", {}, source.mqtt.brokerUrl)),
      h("dt", {}, t("credentials.topic")),
      h("dd", {}, h("code", {}, source.mqtt.topic)),
      h("dt", {}, t("credentials.username")),
      h("dd", {}, h("code", {}, source.mqtt.username)),
      h("dt", {}, t("credentials.password")),
      h("dd", {}, t("source.passwordShownOnce", { button: t("sourceActions.newPassword") })),
      caRow,
    ),
  );
}
