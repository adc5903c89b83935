import { t } from "../i18n/i18n.ts";
import { api, messageOf } from "../lib/api.ts";
import { catalogue } from "../lib/catalogue.ts";
import { h, replace } from "../lib/dom.ts";
import { periodOf } from "../lib/energy-period.ts";
import { displayZone, formatQuantity, timeAgo } from "../lib/format.ts";
import { householdBalance, type SourceFlows, type SourceRole } from "../lib/household-balance.ts";
import { localDate } from "../lib/local-day.ts";
import { POWER_CODES, type PowerNow, powerNow } from "../lib/power-now.ts";
import { quantityLabel, roleText } from "../lib/quantity-names.ts";
import type { Cleanup } from "../lib/router.ts";
import type { AiidaRecord, Catalogue, DataSource } from "../lib/types.ts";
import { healthBadge } from "./health-badge.ts";
import { householdSummary } from "./household-summary.ts";

/** How often health and "last message" refresh (live power comes as it is stored). */
const SOURCES_REFRESH_MS = 5000;
/** How often today's kWh are asked again: the energy of the running day grows slowly. */
const ENERGY_REFRESH_MS = 60_000;

/** What the overview knows of one data source. */
interface TileState {
  source: DataSource;
  power: PowerNow | undefined;
  lastMessageAt: string | null;
  today: { imported: number | undefined; exported: number | undefined } | undefined;
}

/** The start page: every data source as a tile with its live power, and the household's balance now and today. */
export function overviewView(main: HTMLElement): Cleanup {
  document.title = t("overview.documentTitle");
  const summary = h("section", { class: "household", "aria-labelledby": "household-heading" });
  const tiles = h(
    "div",
    { class: "tiles", "aria-busy": "true" },
    h("p", { class: "muted" }, t("common.loading")),
  );
  replace(main, h("div", { class: "page-head" }, h("h1", {}, t("overview.title"))), summary, tiles);

  const states = new Map<string, TileState>();
  let cat: Catalogue | undefined;
  let stopped = false;

  const render = () => {
    if (stopped || cat === undefined) return;
    tiles.removeAttribute("aria-busy");
    const list = [...states.values()];
    if (list.length === 0) {
      replace(summary);
      replace(
        tiles,
        h(
          "div",
          { class: "empty card" },
          h("p", {}, t("overview.empty")),
          h("a", { href: "/sources" }, t("overview.addFirst")),
        ),
      );
      return;
    }
    renderSummary(summary, list);
    // Tiles are rebuilt with each record; keyboard focus goes back to where it was.
    const focused = document.activeElement?.getAttribute("data-key");
    replace(
      tiles,
      list.map((state) => tile(state, cat as Catalogue)),
    );
    if (focused) tiles.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus();
  };

  const refreshSources = async () => {
    try {
      const sources = await api<DataSource[]>("GET", "/datasources");
      cat ??= await catalogue();
      const known = new Set(sources.map((s) => s.id));
      for (const id of states.keys()) if (!known.has(id)) states.delete(id);
      const fresh = sources.filter((s) => !states.has(s.id));
      for (const source of sources) {
        const state = states.get(source.id);
        if (state) {
          state.source = source;
          state.lastMessageAt = source.health.lastMessageAt;
        } else {
          states.set(source.id, {
            source,
            power: undefined,
            lastMessageAt: source.health.lastMessageAt,
            today: undefined,
          });
        }
      }
      // A source that never sent a message has no latest record: asking would only bring a 404.
      await Promise.all(fresh.filter((s) => s.health.lastMessageAt !== null).map((s) => loadLatest(s.id)));
      if (fresh.length > 0) await refreshEnergy();
      render();
    } catch (err) {
      if (!stopped) replace(tiles, h("p", { class: "form-error", role: "alert" }, messageOf(err)));
    }
  };

  const loadLatest = async (id: string) => {
    const latest = await api<AiidaRecord>("GET", `/datasources/${id}/records/latest`).catch(() => undefined);
    const state = states.get(id);
    if (latest && state && state.power === undefined) state.power = powerNow(latest);
  };

  const refreshEnergy = async () => {
    const zone = displayZone();
    // Today as one day-long interval: the energy bars' day period, asked for per day instead of per hour.
    const { from, to } = periodOf("day", localDate(Date.now(), zone));
    const query = new URLSearchParams({ from, to, interval: "day", tz: zone }).toString();
    await Promise.all(
      [...states.values()].map(async (state) => {
        const energy = await api<EnergyAnswer>(
          "GET",
          `/datasources/${state.source.id}/energy?${query}`,
        ).catch(() => undefined);
        const day = energy?.intervals[0];
        state.today =
          day === undefined
            ? undefined
            : { imported: day.import?.kWh ?? undefined, exported: day.export?.kWh ?? undefined };
      }),
    );
  };

  // One stream for every tile: a stream per tile would run into the per-session limit.
  const stream = new EventSource("/api/live");
  stream.addEventListener("record", (event) => {
    const record = JSON.parse((event as MessageEvent<string>).data) as AiidaRecord;
    const state = states.get(record.dataSourceId);
    if (!state) return;
    const power = powerNow(record);
    // A record without power (a register-only message) keeps the last power shown.
    if (power.imported !== undefined || power.exported !== undefined) state.power = power;
    state.lastMessageAt = record.receivedAt;
    render();
  });

  void refreshSources();
  const sourcesTimer = setInterval(refreshSources, SOURCES_REFRESH_MS);
  const energyTimer = setInterval(() => void refreshEnergy().then(render), ENERGY_REFRESH_MS);
  return () => {
    stopped = true;
    stream.close();
    clearInterval(sourcesTimer);
    clearInterval(energyTimer);
  };
}

/** The part of GET /api/datasources/{id}/energy the overview reads. */
interface EnergyAnswer {
  readonly intervals: ReadonlyArray<{
    readonly import: { readonly kWh: number } | null;
    readonly export: { readonly kWh: number } | null;
  }>;
}

function renderSummary(section: HTMLElement, list: readonly TileState[]): void {
  const roles = list.filter((s) => s.source.enabled).map((s) => s.source.role as SourceRole);
  if (!roles.includes("GRID_METER") && !roles.includes("PV_INVERTER")) {
    replace(section);
    return;
  }
  const active = list.filter((s) => s.source.enabled);
  const now: SourceFlows[] = active.map((s) => ({
    role: s.source.role as SourceRole,
    imported: s.power?.imported,
    exported: s.power?.exported,
  }));
  const today: SourceFlows[] = active.map((s) => ({
    role: s.source.role as SourceRole,
    imported: s.today?.imported,
    exported: s.today?.exported,
  }));
  replace(section, householdSummary(householdBalance(now), householdBalance(today)));
}

function tile(state: TileState, cat: Catalogue): HTMLElement {
  const { source, power } = state;
  const lines: HTMLElement[] = [];
  for (const direction of ["imported", "exported"] as const) {
    const value = power?.[direction];
    if (value === undefined) continue;
    lines.push(
      h(
        "p",
        { class: "tile-power", "data-flow": direction },
        h("span", { class: "tile-power-name" }, quantityLabel(cat, source.role, POWER_CODES[direction])),
        h("span", { class: "tile-power-value" }, formatQuantity(value, "kW")),
      ),
    );
  }
  return h(
    "article",
    { class: `tile card${source.enabled ? "" : " is-disabled"}`, "data-source-id": source.id },
    h(
      "div",
      { class: "tile-head" },
      h("h2", {}, h("a", { href: `/sources/${source.id}`, "data-key": `name-${source.id}` }, source.name)),
      withKey(healthBadge(source.health), `health-${source.id}`),
    ),
    h("p", { class: "tile-role muted" }, roleText(source.role)),
    lines.length > 0 ? lines : h("p", { class: "tile-power muted" }, t("overview.noPower")),
    h("p", { class: "tile-last muted" }, t("overview.lastMessage", { ago: timeAgo(state.lastMessageAt) })),
  );
}

/** An element with the key that finds it again after the tiles are rebuilt. */
function withKey(element: HTMLElement, key: string): HTMLElement {
  element.dataset.key = key;
  return element;
}
