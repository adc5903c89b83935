import Database from "better-sqlite3";
import type { RunContext, ScenarioResult } from "../lib/context.ts";
import { benchPool } from "../lib/postgres.ts";
import { databaseFile } from "../lib/provision.ts";
import { ScenarioRecorder } from "../lib/scenario.ts";
import { type HubTarget, startHub } from "../lib/servers.ts";
import { type YearDataset, yearDataset } from "../lib/year-data.ts";
import { partitionBytes } from "../lib/year-data-postgres.ts";

/** The zone of the energy queries: Vienna, so the year holds a 23-hour and a 25-hour day. */
const ENERGY_ZONE = "Europe/Vienna";

/** The queries of the query and sustained scenarios, as paths on the hub's REST API. */
export function queryPaths(year: YearDataset): {
  latest: string;
  rawPage: string;
  chart: string;
  chartUnaligned: string;
  energyDay: string;
  energyMonth: string;
} {
  const base = `/api/datasources/${year.sourceId}/records`;
  const range = `from=${year.from}&to=${year.to}`;
  // ~1,000 points over the whole range, in whole hours as a chart asks for them (9 h → 974 for a year;
  // hourly rollups serve whole-hour buckets), and the exact ~1,000-point size in seconds (8.76 h),
  // which a hub with hourly rollups can only answer from raw values.
  const spanMs = year.to - year.from;
  const hours = Math.max(1, Math.round(spanMs / 1000 / 3_600_000));
  const seconds = Math.max(1, Math.ceil(spanMs / 1000 / 1000));
  return {
    latest: `${base}/latest`,
    rawPage: `${base}?limit=1000`,
    chart: `${base}?bucket=${hours}h&${range}`,
    chartUnaligned: `${base}?bucket=${seconds % 3600 === 0 ? seconds + 1 : seconds}s&${range}`,
    // `to` is exclusive for energy: one past the last record.
    energyDay: `/api/datasources/${year.sourceId}/energy?from=${year.from}&to=${year.to + 1}&interval=day&tz=${ENERGY_ZONE}`,
    energyMonth: `/api/datasources/${year.sourceId}/energy?from=${year.from}&to=${year.to + 1}&interval=month&tz=${ENERGY_ZONE}`,
  };
}

interface EnergyAnswer {
  intervals: { import: { kWh: number; method: string; completeness: number } | null }[];
}

/**
 * Checks an energy answer over the year: the number of intervals, and every interval but the first
 * and the last (partial) read from the register and complete. Returns a problem or undefined, and
 * the year's imported kWh.
 */
export function checkEnergyAnswer(
  kind: "energyDay" | "energyMonth",
  status: number,
  text: string,
  year: YearDataset,
): { problem: string | undefined; kWh: number } {
  if (status !== 200) return { problem: `${kind} answered ${status}: ${text.slice(0, 200)}`, kWh: NaN };
  const body = JSON.parse(text) as EnergyAnswer;
  const days = (year.to - year.from) / 86_400_000;
  const expected = kind === "energyDay" ? Math.ceil(days) + 1 : Math.ceil(days / 30.4) + 1;
  const count = body.intervals.length;
  const kWh = body.intervals.reduce((sum, i) => sum + (i.import?.kWh ?? 0), 0);
  if (Math.abs(count - expected) > 1)
    return { problem: `${kind} has ${count} intervals, expected about ${expected}`, kWh };
  const inner = body.intervals.slice(1, -1);
  const odd = inner.filter((i) => i.import?.method !== "register" || i.import.completeness < 0.999);
  if (odd.length > 0)
    return { problem: `${kind}: ${odd.length} whole intervals are not complete register figures`, kWh };
  return { problem: undefined, kWh };
}

const HOUR_MS = 3_600_000;
/** How long after an hour ends the hub's rollup job takes it in (LATE_GRACE_MS in storage/sqlite/rollup.ts). */
const ROLLUP_GRACE_MS = 15 * 60_000;

/**
 * Hubs that keep hourly rollups build them in the background: after a bulk load, wait until the
 * year is rolled up (seconds waited), or undefined when this hub has no rollups.
 */
export async function waitForRollups(year: YearDataset, timeoutMs = 600_000): Promise<number | undefined> {
  if (year.databaseUrl !== undefined) return waitForPostgresRollups(year, year.databaseUrl, timeoutMs);
  const db = new Database(databaseFile(year.dataDir), { readonly: true });
  try {
    const hasRollups = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'aiida_rollup_state'")
      .get();
    if (!hasRollups) return undefined;
    const state = db.prepare(
      `SELECT s.rolled_up_to AS upto FROM aiida_rollup_state s JOIN data_source d ON d.key = s.data_source_key
       WHERE d.id = ?`,
    );
    const lastHour = Math.floor(year.to / HOUR_MS) * HOUR_MS;
    const t0 = performance.now();
    while (performance.now() - t0 < timeoutMs) {
      // The hub rolls an hour up only once it has been over for ROLLUP_GRACE_MS: waiting for the data's
      // last hour would time the clock (up to an hour), not the job.
      const allowed = Math.floor((Date.now() - ROLLUP_GRACE_MS) / HOUR_MS) * HOUR_MS;
      const target = Math.min(lastHour, allowed);
      const row = state.get(year.sourceId) as { upto: number } | undefined;
      if (row && row.upto >= target) return (performance.now() - t0) / 1000;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return Number.NaN;
  } finally {
    db.close();
  }
}

/** As waitForRollups, on the hub's PostgreSQL database. */
async function waitForPostgresRollups(year: YearDataset, url: string, timeoutMs: number): Promise<number> {
  const pool = await benchPool(url);
  try {
    const lastHour = Math.floor(year.to / HOUR_MS) * HOUR_MS;
    const t0 = performance.now();
    while (performance.now() - t0 < timeoutMs) {
      const allowed = Math.floor((Date.now() - ROLLUP_GRACE_MS) / HOUR_MS) * HOUR_MS;
      const target = Math.min(lastHour, allowed);
      const row = (
        await pool.query<{ upto: number }>(
          `SELECT (extract(epoch FROM s.rolled_up_to) * 1000)::float8 AS upto FROM aiida_rollup_state s
             JOIN data_source d ON d.key = s.data_source_key WHERE d.id = $1`,
          [year.sourceId],
        )
      ).rows[0];
      if (row && row.upto >= target) return (performance.now() - t0) / 1000;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return Number.NaN;
  } finally {
    await pool.end();
  }
}

/** How long a chart query may take before the bench gives up on it and kills the hub. */
export const CHART_TIMEOUT_MS = 30_000;

/** One GET, or undefined when it did not answer within `timeoutMs`. */
export async function timed(
  hub: HubTarget,
  path: string,
  timeoutMs: number,
): Promise<{ status: number; text: string; ms: number } | undefined> {
  try {
    return await hub.get(path, timeoutMs);
  } catch (err) {
    if ((err as Error).name === "TimeoutError" || (err as Error).name === "AbortError") return undefined;
    throw err;
  }
}

/** Checks a query's answer has the expected shape; returns a problem or undefined. */
export function checkAnswer(
  kind: "latest" | "rawPage" | "chart",
  status: number,
  text: string,
  year: YearDataset,
): string | undefined {
  if (status !== 200) return `${kind} answered ${status}: ${text.slice(0, 200)}`;
  const body = JSON.parse(text) as {
    timestamp?: string;
    records?: { values: unknown[] }[];
    series?: { points: unknown[] }[];
  };
  if (kind === "latest" && Date.parse(body.timestamp ?? "") < year.to)
    return `latest is ${body.timestamp}, expected ${new Date(year.to).toISOString()} or later`;
  if (kind === "rawPage" && body.records?.length !== 1000)
    return `raw page has ${body.records?.length} records`;
  if (kind === "chart") {
    const span = year.to - year.from;
    const bucket = Math.max(1, Math.round(span / 1000 / 3_600_000)) * 3_600_000;
    const expected = Math.floor(span / bucket) + 1;
    const points = body.series?.map((s) => s.points.length) ?? [];
    if (points.length < 2 || points.some((n) => Math.abs(n - expected) > 2))
      return `chart has series of ${points.join(", ")} points, expected about ${expected}`;
  }
  return undefined;
}

/**
 * Energy per day and per month over the year (issue 14), after one warm-up each; the two answers'
 * yearly import must agree. A hub without the energy endpoint (an older --hub-ref) is noted and skipped.
 */
async function energyQueries(
  ctx: RunContext,
  rec: ScenarioRecorder,
  hub: HubTarget,
  paths: ReturnType<typeof queryPaths>,
  year: YearDataset,
): Promise<void> {
  const repetitions = ctx.options.quick ? 3 : 20;
  const labels = {
    energyDay: "energy per day over the year (Europe/Vienna, ~366 intervals)",
    energyMonth: "energy per month over the year (Europe/Vienna, 13 intervals)",
  };
  const yearly: number[] = [];
  for (const kind of ["energyDay", "energyMonth"] as const) {
    const warm = await timed(hub, paths[kind], CHART_TIMEOUT_MS);
    if (warm?.status === 404) {
      rec.notes.push("This hub has no energy endpoint (GET /api/datasources/{id}/energy).");
      return;
    }
    if (warm === undefined) {
      rec.error(`${kind} did not answer within ${CHART_TIMEOUT_MS / 1000} s`);
      return;
    }
    const { problem, kWh } = checkEnergyAnswer(kind, warm.status, warm.text, year);
    if (problem) rec.error(problem);
    yearly.push(kWh);
    rec.details[`${kind}Bytes`] = warm.text.length;
    for (let i = 0; i < repetitions; i++) {
      const r = await hub.get(paths[kind]);
      if (r.status !== 200) rec.error(`${kind} answered ${r.status}`);
      rec.add(`${kind}.ms`, labels[kind], "ms", r.ms);
    }
    const m = rec.peek(`${kind}.ms`);
    ctx.log(
      `  query ${kind}: median ${m?.median.toFixed(2)} ms (min ${m?.min.toFixed(2)}, max ${m?.max.toFixed(2)})`,
    );
  }
  const [byDay = NaN, byMonth = NaN] = yearly;
  rec.details.energyYearKWh = { byDay, byMonth };
  if (!(Math.abs(byDay - byMonth) < 0.01))
    rec.error(`the year's import per day (${byDay} kWh) and per month (${byMonth} kWh) differ`);
}

/**
 * Scenario 5: one data source with a year of 3-second data (10.5 M records, 2 values each) loaded
 * by the bulk path; wall time of the latest-record query, a raw page of 1,000 records and the
 * year → ~1,000 points chart over HTTP, energy per day and per month over the year (issue 14);
 * bytes on disk per stored value.
 */
export async function queriesScenario(ctx: RunContext): Promise<ScenarioResult> {
  const quick = ctx.options.quick;
  const year = await yearDataset(ctx);
  const paths = queryPaths(year);
  const counts = { latest: quick ? 10 : 50, rawPage: quick ? 5 : 20, chart: quick ? 3 : 5 };
  const rec = new ScenarioRecorder(ctx, "queries", "5. Queries over a year of 3-second data", {
    yearScale: ctx.options.yearScale,
    database: year.databaseUrl === undefined ? "sqlite" : "postgres",
    records: year.records,
    values: year.values,
    range: `${new Date(year.from).toISOString()} … ${new Date(year.to).toISOString()}`,
    paths,
    repetitionsPerQuery: counts,
    timing:
      "wall time of the HTTP request from the bench process (keep-alive), after one warm-up request each",
  });
  rec.add("load.seconds", "bulk load of the year", "s", year.loadSeconds);
  rec.add("load.recordsPerSec", "bulk load rate", "records/s", year.records / year.loadSeconds);
  const onPostgres = year.databaseUrl !== undefined;
  if (!onPostgres) {
    rec.add("bytesPerValue", "database bytes per stored value", "B", year.usedBytes / year.values);
    rec.add("dbMiB", "database size (used pages)", "MiB", year.usedBytes / 2 ** 20);
  }
  rec.details.bytesByTable = year.bytesByTable;
  rec.details.fileBytes = year.fileBytes;
  if (ctx.options.yearScale !== 1)
    rec.notes.push(`Only ${ctx.options.yearScale} of the year was loaded (--year-scale).`);
  let hub: HubTarget | undefined = await startHub(ctx, { dataDir: year.dataDir, label: "queries-hub" });
  const timeoutMs = CHART_TIMEOUT_MS;
  try {
    const caughtUp = await waitForRollups(year);
    if (caughtUp !== undefined) {
      rec.add("rollup.seconds", "hub's rollup job catching up with the bulk-loaded year", "s", caughtUp);
      ctx.log(`  rollups caught up ${caughtUp.toFixed(1)} s after the hub started`);
    }
    if (year.databaseUrl !== undefined) await postgresBytes(rec, year, year.databaseUrl);
    // Baseline: an authenticated request that reads no records (HTTP + session check).
    await hub.get("/api/auth/me");
    for (let i = 0; i < counts.latest; i++) {
      rec.add(
        "baseline.ms",
        "baseline: GET /api/auth/me (HTTP round trip + session check)",
        "ms",
        (await hub.get("/api/auth/me")).ms,
      );
    }
    for (const kind of ["latest", "rawPage", "chart"] as const) {
      const label = {
        latest: "latest record",
        rawPage: "raw page of 1,000 records (2,000 values)",
        chart: "year chart, ~1,000 points per quantity (whole-hour buckets)",
      }[kind];
      const warm = await timed(hub, paths[kind], timeoutMs);
      if (warm === undefined) {
        // SQLite runs on the hub's event loop: the hub is stuck until the query ends, so stop it.
        rec.add(`${kind}.ms`, `${label} (timed out: lower bound)`, "ms", timeoutMs);
        rec.error(`${kind} did not answer within ${timeoutMs / 1000} s; the hub was killed`);
        ctx.shared.set("chartTimedOut", true);
        await hub.stop(1000);
        hub = undefined;
        break;
      }
      const problem = checkAnswer(kind, warm.status, warm.text, year);
      if (problem) rec.error(problem);
      rec.details[`${kind}Bytes`] = warm.text.length;
      for (let i = 0; i < counts[kind]; i++) {
        const r = await hub.get(paths[kind]);
        if (r.status !== 200) rec.error(`${kind} answered ${r.status}`);
        rec.add(`${kind}.ms`, label, "ms", r.ms);
      }
      const m = rec.peek(`${kind}.ms`);
      ctx.log(
        `  query ${kind}: median ${m?.median.toFixed(2)} ms (min ${m?.min.toFixed(2)}, max ${m?.max.toFixed(2)})`,
      );
    }
    // Before the unaligned chart, whose timeout would stop the hub (or leave the database busy).
    if (hub) await energyQueries(ctx, rec, hub, paths, year);
    if (hub) {
      // Once: a bucket that is not a whole number of hours (no rollup can serve it).
      const r = await timed(hub, paths.chartUnaligned, timeoutMs);
      rec.add(
        "chartUnaligned.ms",
        `year chart, ~1,000 points, bucket not whole hours (1 sample${r ? "" : ", timed out: lower bound"})`,
        "ms",
        r?.ms ?? timeoutMs,
      );
      if (r === undefined) {
        await hub.stop(1000);
        hub = undefined;
      } else if (r.status !== 200) rec.error(`unaligned chart answered ${r.status}`);
    }
  } finally {
    await hub?.stop();
  }
  if (year.databaseUrl !== undefined) await postgresAggregateOnly(rec, year, year.databaseUrl);
  else sqliteAggregateOnly(rec, year);
  return rec.finish();
}

/**
 * Bytes on disk per value on PostgreSQL, after the rollups caught up: pg_total_relation_size (heap,
 * indexes, TOAST) of the record partitions (values are arrays in their rows; the view
 * aiida_record_value has no size) and of the hourly rollups, ÷ values stored (array entries).
 */
async function postgresBytes(rec: ScenarioRecorder, year: YearDataset, url: string): Promise<void> {
  const pool = await benchPool(url);
  try {
    const rollups = await partitionBytes(pool, ["aiida_rollup_hour", "aiida_rollup_state"]);
    const rollupBytes = Object.values(rollups).reduce((sum, n) => sum + n, 0);
    const total = year.usedBytes + rollupBytes;
    rec.add(
      "bytesPerValue",
      "database bytes per stored value (records, values, rollups)",
      "B",
      total / year.values,
    );
    rec.add(
      "bytesPerValue.raw",
      "of which records with their values (partitions with their indexes)",
      "B",
      year.usedBytes / year.values,
    );
    rec.add("dbMiB", "records, values and rollups (pg_total_relation_size)", "MiB", total / 2 ** 20);
    rec.details.bytesByTable = { ...year.bytesByTable, ...rollups };
  } finally {
    await pool.end();
  }
}

/** The aggregate half of the chart alone, in PostgreSQL (no HTTP, no last-value join), over the same range and buckets. */
async function postgresAggregateOnly(rec: ScenarioRecorder, year: YearDataset, url: string): Promise<void> {
  const pool = await benchPool(url);
  try {
    const bucketMs = Math.max(1000, Math.ceil((year.to - year.from) / 1000 / 1000) * 1000);
    const t0 = performance.now();
    // Through the view aiida_record_value: the planner inlines its unnest of each record's arrays.
    const result = await pool.query(
      `SELECT obis_key, floor((extract(epoch FROM ts) * 1000 - $2) / $3) AS bucket,
              min(value), avg(value), max(value), count(*)
         FROM aiida_record_value v JOIN data_source d ON d.key = v.data_source_key
        WHERE d.id = $1 AND ts BETWEEN 'epoch'::timestamptz + $2 * interval '1 millisecond'
                                   AND 'epoch'::timestamptz + $4 * interval '1 millisecond'
        GROUP BY obis_key, bucket`,
      [year.sourceId, year.from, bucketMs, year.to],
    );
    rec.add(
      "diag.aggregateOnly.ms",
      "diagnosis: series() aggregate SQL alone over raw values (no rollups, no HTTP)",
      "ms",
      performance.now() - t0,
    );
    rec.details.aggregateOnlyRows = result.rowCount;
  } finally {
    await pool.end();
  }
}

/** The aggregate half of RecordStore.series() alone, straight in SQLite (no HTTP, no last-value join), over the same range and buckets. */
function sqliteAggregateOnly(rec: ScenarioRecorder, year: YearDataset): void {
  const db = new Database(databaseFile(year.dataDir), { readonly: true });
  try {
    const bucketMs = Math.max(1000, Math.ceil((year.to - year.from) / 1000 / 1000) * 1000);
    const stmt = db.prepare(
      `SELECT obis_key, CAST((ts - ?) / ? AS INTEGER) AS bucket, min(value), avg(value), max(value), count(*)
       FROM aiida_record_value v JOIN data_source d ON d.key = v.data_source_key
       WHERE d.id = ? AND ts BETWEEN ? AND ? GROUP BY obis_key, bucket`,
    );
    const t0 = performance.now();
    const rows = stmt.all(year.from, bucketMs, year.sourceId, year.from, year.to).length;
    rec.add(
      "diag.aggregateOnly.ms",
      "diagnosis: series() aggregate SQL alone (no last-value join, no HTTP)",
      "ms",
      performance.now() - t0,
    );
    rec.details.aggregateOnlyRows = rows;
  } finally {
    db.close();
  }
}
