import type { Metric, ScenarioResult } from "./context.ts";

/** One goal of issue 5, checked against the figures of this run. */
export interface GoalCheck {
  readonly goal: string;
  readonly measured: string;
  readonly limit: string;
  /** undefined when the scenario it needs did not run (or failed). */
  readonly met: boolean | undefined;
}

function figure(results: Map<string, ScenarioResult>, scenario: string, id: string): Metric | undefined {
  return results.get(scenario)?.metrics[id];
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return "–";
  const a = Math.abs(n);
  if (a >= 10_000) return Math.round(n).toLocaleString("en-US");
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

/** The goals of issue 5 with this run's figures (medians). */
export function checkGoals(results: Map<string, ScenarioResult>): GoalCheck[] {
  const goals: GoalCheck[] = [];
  const add = (
    goal: string,
    scenario: string,
    id: string,
    limit: number,
    direction: "min" | "max",
    unit: string,
  ) => {
    const m = figure(results, scenario, id);
    const value = m?.median;
    goals.push({
      goal,
      measured: value === undefined ? "not run" : `${formatNumber(value)} ${unit}`.trim(),
      limit: `${direction === "min" ? "≥" : "≤"} ${formatNumber(limit)} ${unit}`.trim(),
      met:
        value === undefined || !Number.isFinite(value)
          ? undefined
          : direction === "min"
            ? value >= limit
            : value <= limit,
    });
  };
  add("Ingest QoS 1, 100 devices: hub ÷ raw Aedes", "ingest", "ratio.aedes.100", 0.9, "min", "×");
  add("Ingest QoS 1, 100 devices: hub ÷ raw Mosquitto", "ingest", "ratio.mosquitto.100", 0.7, "min", "×");
  add("p99 publish→PUBACK at 1,000 msg/s: hub ÷ raw Aedes", "latency", "ratio.ackP99.aedes", 2, "max", "×");
  // Not an issue goal: the same limit against a broker that, like the hub, fsyncs before acknowledging.
  add(
    "p99 publish→PUBACK: hub ÷ raw Aedes + fsync before ack (reference)",
    "latency",
    "ratio.ackP99.aedesFsync",
    2,
    "max",
    "×",
  );
  add("10,000-device connect storm: hub time ÷ raw Aedes", "connect-storm", "ratio.aedes", 2, "max", "×");
  add("RSS per idle device: hub ÷ raw Aedes", "memory", "ratio.aedes", 1.5, "max", "×");
  // Issue 12: the hub process at rest, its devices' credentials loaded, none connected.
  add("Idle hub RSS, no device connected (issue 12)", "memory", "hub.rss.0", 120, "max", "MiB");
  add(
    "Ingest QoS 1, 100 devices: hub on PostgreSQL ÷ hub on SQLite (issue 15)",
    "ingest",
    "ratio.postgres.100",
    0.7,
    "min",
    "×",
  );
  // Issue 15 sets tighter query limits and a looser size limit for PostgreSQL.
  const queriesOnPostgres = results.get("queries")?.settings.database === "postgres";
  const onPg = queriesOnPostgres ? " on PostgreSQL (issue 15)" : "";
  add(
    `Year chart query (~1,000 points)${onPg}`,
    "queries",
    "chart.ms",
    queriesOnPostgres ? 60 : 200,
    "max",
    "ms",
  );
  add(`Latest record query${onPg}`, "queries", "latest.ms", 5, "max", "ms");
  // Issue 14: energy per period over the same year, from the hourly rollups.
  add("Energy per day over a year (issue 14)", "queries", "energyDay.ms", 100, "max", "ms");
  add("Energy per month over a year (issue 14)", "queries", "energyMonth.ms", 100, "max", "ms");
  add(
    `Bytes on disk per stored value${onPg}`,
    "queries",
    "bytesPerValue",
    queriesOnPostgres ? 160 : 40,
    "max",
    "B",
  );
  add("Sustained 60 s: errors", "sustained", "errors", 0, "max", "");
  add(
    "Sustained 60 s: RSS growth after warm-up (after full GCs)",
    "sustained",
    "rss.gcGrowth",
    10,
    "max",
    "MiB",
  );
  add("Overload QoS 0: stored ÷ windowed 100-device figure", "overload", "hub.qos0.ratio", 0.8, "min", "×");
  add("Overload QoS 1: stored ÷ windowed 100-device figure", "overload", "hub.qos1.ratio", 0.8, "min", "×");
  add(
    "Overload QoS 0: peak RSS ÷ peak RSS under normal load",
    "overload",
    "hub.qos0.peakVsReference",
    1.5,
    "max",
    "×",
  );
  add(
    "Overload QoS 1: peak RSS ÷ peak RSS under normal load",
    "overload",
    "hub.qos1.peakVsReference",
    1.5,
    "max",
    "×",
  );
  return goals;
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

/** The results as plain-text tables: one per scenario, then the goals. */
export function renderTables(results: Map<string, ScenarioResult>, goals: GoalCheck[]): string {
  const lines: string[] = [];
  for (const r of results.values()) {
    lines.push(
      "",
      `${r.title}  (${r.seconds.toFixed(0)} s${r.errors.length > 0 ? `, ${r.errors.length} errors` : ""})`,
    );
    const rows = Object.values(r.metrics).map((m) => [
      m.label,
      formatNumber(m.median),
      formatNumber(m.min),
      formatNumber(m.max),
      m.unit,
    ]);
    const width = Math.max(20, ...rows.map((row) => (row[0] ?? "").length));
    lines.push(
      `  ${pad("figure", width)}  ${pad("median", 10, true)}  ${pad("min", 10, true)}  ${pad("max", 10, true)}  unit`,
    );
    for (const [label, median, min, max, unit] of rows) {
      lines.push(
        `  ${pad(label ?? "", width)}  ${pad(median ?? "", 10, true)}  ${pad(min ?? "", 10, true)}  ${pad(max ?? "", 10, true)}  ${unit}`,
      );
    }
    for (const e of r.errors.slice(0, 5)) lines.push(`  ! ${e}`);
  }
  lines.push("", "Goals (issue 5), medians of this run");
  const width = Math.max(...goals.map((g) => g.goal.length));
  for (const g of goals) {
    const verdict = g.met === undefined ? "n/a" : g.met ? "MET" : "MISSED";
    lines.push(`  ${pad(g.goal, width)}  ${pad(g.measured, 14, true)}  ${pad(g.limit, 14)}  ${verdict}`);
  }
  return lines.join("\n");
}

/** The same tables as Markdown, for docs/performance.md. */
export function renderMarkdown(results: Map<string, ScenarioResult>, goals: GoalCheck[]): string {
  const lines: string[] = ["| Goal | Measured (median) | Limit | |", "| --- | ---: | --- | --- |"];
  for (const g of goals) {
    lines.push(
      `| ${g.goal} | ${g.measured} | ${g.limit} | ${g.met === undefined ? "n/a" : g.met ? "met" : "**missed**"} |`,
    );
  }
  for (const r of results.values()) {
    const load = r.details.loadAverage1m as { before: number; after: number } | undefined;
    lines.push(
      "",
      `#### ${r.title}`,
      "",
      `${r.seconds.toFixed(0)} s${load ? `, load average ${load.before.toFixed(1)} → ${load.after.toFixed(1)}` : ""}` +
        `${r.errors.length > 0 ? `; errors: ${r.errors.slice(0, 3).join("; ")}` : ""}`,
      "",
      "| Figure | Median | Min | Max | Unit |",
      "| --- | ---: | ---: | ---: | --- |",
    );
    for (const m of Object.values(r.metrics)) {
      lines.push(
        `| ${m.label} | ${formatNumber(m.median)} | ${formatNumber(m.min)} | ${formatNumber(m.max)} | ${m.unit} |`,
      );
    }
    for (const n of r.notes) lines.push("", `Note: ${n}`);
  }
  return lines.join("\n");
}
