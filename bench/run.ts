/**
 * `npm run bench [-- --only ingest,latency] [--quick] [--reps N] [--year-scale F] [--cpu-prof] [--keep]`
 *
 * Runs the scenarios of issue 5 against the hub, raw Aedes and raw Mosquitto (each its own process,
 * on 127.0.0.1), prints a table and writes bench/results/<timestamp>.json. See docs/performance.md.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type BenchOptions, createContext, type RunContext, type ScenarioResult } from "./lib/context.ts";
import { hubProvenance, useHubRef, useHubRoot } from "./lib/hub-modules.ts";
import { machineFacts } from "./lib/machine.ts";
import { dropBenchDatabases, postgresVersion } from "./lib/postgres.ts";
import { checkGoals, renderMarkdown, renderTables } from "./lib/report.ts";
import { connectStormScenario } from "./scenarios/connect-storm.ts";
import { ingestScenario } from "./scenarios/ingest.ts";
import { instancesScenario } from "./scenarios/instances.ts";
import { latencyScenario } from "./scenarios/latency.ts";
import { memoryScenario } from "./scenarios/memory.ts";
import { overloadScenario } from "./scenarios/overload.ts";
import { queriesScenario } from "./scenarios/queries.ts";
import { sustainedScenario } from "./scenarios/sustained.ts";

const SCENARIOS: ReadonlyArray<{
  name: string;
  aliases: string[];
  run: (ctx: RunContext) => Promise<ScenarioResult>;
}> = [
  { name: "ingest", aliases: ["1", "throughput"], run: ingestScenario },
  { name: "latency", aliases: ["2"], run: latencyScenario },
  { name: "connect-storm", aliases: ["3", "storm"], run: connectStormScenario },
  { name: "memory", aliases: ["4"], run: memoryScenario },
  { name: "queries", aliases: ["5", "query"], run: queriesScenario },
  { name: "sustained", aliases: ["6", "mixed"], run: sustainedScenario },
  { name: "overload", aliases: ["7"], run: overloadScenario },
  { name: "instances", aliases: ["8"], run: instancesScenario },
];

const USAGE = `Usage: npm run bench -- [options]
  --only <a,b,…>     scenarios to run: ${SCENARIOS.map((s) => s.name).join(", ")} (or 1–8)
  --database <kind>  sqlite (default) or postgres: every hub child gets --database-url of a fresh database
                     on ${"$"}AIIDA_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432); ingest also
                     runs the hub on SQLite for PostgreSQL ÷ SQLite; instances needs postgres
  --quick            smoke run: small counts, short runs, 1 repetition, 0.2% of the year
  --reps <n>         repetitions per figure (default 3)
  --year-scale <f>   fraction of the year of 3-second data to load (default 1; 0.002 with --quick)
  --cpu-prof         run every hub child with --cpu-prof (profiles in bench/results/profiles-<timestamp>/)
  --keep             keep the scratch directory (databases, server logs)
  --hub-ref <ref>    benchmark a committed version (git archive of <ref>) instead of the working tree
  --hub-root <dir>   benchmark another checkout of the hub (this node_modules is linked in if it has none)`;

function parseOptions(): BenchOptions & {
  keep: boolean;
  hubRef: string | undefined;
  hubRoot: string | undefined;
} {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      quick: { type: "boolean", default: false },
      reps: { type: "string" },
      "year-scale": { type: "string" },
      "cpu-prof": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      "hub-ref": { type: "string" },
      "hub-root": { type: "string" },
      database: { type: "string", default: "sqlite" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const only = (values.only ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => {
      const found = SCENARIOS.find((x) => x.name === s || x.aliases.includes(s));
      if (!found) {
        process.stderr.write(`Unknown scenario "${s}".\n${USAGE}\n`);
        process.exit(2);
      }
      return found.name;
    });
  const reps = values.reps === undefined ? 3 : Number(values.reps);
  const yearScale =
    values["year-scale"] === undefined ? (values.quick ? 0.002 : 1) : Number(values["year-scale"]);
  const database = values.database;
  if (database !== "sqlite" && database !== "postgres") {
    process.stderr.write(`--database must be sqlite or postgres, not "${database}".\n${USAGE}\n`);
    process.exit(2);
  }
  if (!Number.isInteger(reps) || reps < 1 || !(yearScale > 0 && yearScale <= 1)) {
    process.stderr.write(`--reps must be a whole number ≥ 1 and --year-scale in (0, 1].\n${USAGE}\n`);
    process.exit(2);
  }
  return {
    only,
    quick: values.quick,
    reps,
    cpuProf: values["cpu-prof"],
    yearScale,
    database,
    keep: values.keep,
    hubRef: values["hub-ref"],
    hubRoot: values["hub-root"],
  };
}

const options = parseOptions();
const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/:/g, "-");
const resultsDir = new URL("./results/", import.meta.url).pathname;
const profileDir = join(resultsDir, `profiles-${stamp}`);
mkdirSync(resultsDir, { recursive: true });
if (options.cpuProf) mkdirSync(profileDir, { recursive: true });
const ctx = createContext(options, profileDir);
const machine = machineFacts(ctx.tmpRoot);
let hubRef: { ref: string; commit: string } | undefined;
if (options.hubRef) {
  const { commit } = useHubRef(options.hubRef, join(ctx.tmpRoot, "hub"));
  hubRef = { ref: options.hubRef, commit };
  ctx.log(`benchmarking ${options.hubRef} (${commit.slice(0, 12)}) extracted to ${join(ctx.tmpRoot, "hub")}`);
} else if (options.hubRoot) useHubRoot(options.hubRoot);
const hub = { ...hubProvenance(), ...(hubRef && { ref: hubRef.ref, commit: hubRef.commit }) };
if (hub.uncommittedSrcFiles) {
  ctx.log(
    `note: the working tree has ${hub.uncommittedSrcFiles} uncommitted files in src/ and bin/ (use --hub-ref HEAD for a committed version)`,
  );
}
ctx.log(
  `aiida-hub bench: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.nodeVersion}; ` +
    `fdatasync p50/p99 ${machine.fdatasyncMs.p50.toFixed(2)}/${machine.fdatasyncMs.p99.toFixed(2)} ms; ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}; scratch ${ctx.tmpRoot}`,
);
const postgres = options.database === "postgres" ? await postgresVersion() : undefined;
if (postgres) ctx.log(`hub children on PostgreSQL ${postgres} (a fresh database each)`);
const selected = SCENARIOS.filter((s) => options.only.length === 0 || options.only.includes(s.name));
try {
  for (const scenario of selected) {
    ctx.log(`scenario ${scenario.name}`);
    const t0 = Date.now();
    try {
      ctx.results.set(scenario.name, await scenario.run(ctx));
    } catch (err) {
      ctx.log(`scenario ${scenario.name} failed: ${(err as Error).stack ?? String(err)}`);
      ctx.results.set(scenario.name, {
        name: scenario.name,
        title: scenario.name,
        settings: {},
        metrics: {},
        details: {},
        notes: [],
        errors: [`scenario failed: ${(err as Error).message}`],
        seconds: (Date.now() - t0) / 1000,
      });
    }
  }
} finally {
  // Databases go even with --keep: they live on a shared server, not in the scratch directory.
  await dropBenchDatabases().catch((err) => ctx.log(`dropping the bench databases failed: ${err}`));
  if (options.keep) ctx.log(`scratch kept in ${ctx.tmpRoot}`);
  else rmSync(ctx.tmpRoot, { recursive: true, force: true });
}

const goals = checkGoals(ctx.results);
const finishedAt = new Date();
const file = join(resultsDir, `${stamp}.json`);
writeFileSync(
  file,
  `${JSON.stringify(
    {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
      command: `npm run bench --${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(" ")}` : ""}`,
      machine: { ...machine, loadAverageAtEnd: loadavg(), ...(postgres && { postgresVersion: postgres }) },
      hub,
      options,
      scenarios: Object.fromEntries(ctx.results),
      ratios: Object.fromEntries(
        [...ctx.results.values()].flatMap((r) =>
          Object.entries(r.metrics)
            .filter(([id]) => id.startsWith("ratio.") || id.endsWith(".ratio"))
            .map(([id, m]) => [
              `${r.name}.${id}`,
              { label: m.label, median: m.median, min: m.min, max: m.max },
            ]),
        ),
      ),
      goals,
      ...(options.cpuProf && { profiles: profileDir }),
    },
    null,
    2,
  )}\n`,
);
const header = [
  `Command: \`${`npm run bench --${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(" ")}` : ""}`}\` on ${startedAt.toISOString()} (${((finishedAt.getTime() - startedAt.getTime()) / 60_000).toFixed(1)} min).`,
  `Hub: ${hub.commit.slice(0, 12)}${hub.uncommittedSrcFiles ? ` plus ${hub.uncommittedSrcFiles} uncommitted files` : ""}.`,
  `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.totalMemoryGiB} GiB, ${machine.platform} ${machine.kernel}; Node ${machine.nodeVersion}, Aedes ${machine.aedesVersion}, Mosquitto ${machine.mosquittoVersion}, SQLite ${machine.sqliteVersion}${postgres ? `, PostgreSQL ${postgres}` : ""}; fdatasync p50/p99/max ${machine.fdatasyncMs.p50.toFixed(2)}/${machine.fdatasyncMs.p99.toFixed(2)}/${machine.fdatasyncMs.max.toFixed(2)} ms.`,
].join("\n");
writeFileSync(file.replace(/\.json$/, ".md"), `${header}\n\n${renderMarkdown(ctx.results, goals)}\n`);
process.stdout.write(
  `${renderTables(ctx.results, goals)}\n\nResults written to ${file} (tables also as .md)\n`,
);
if (options.cpuProf)
  process.stdout.write(
    `CPU profiles in ${profileDir} (summarize: node --import tsx bench/profile-summary.ts <file>)\n`,
  );
// Keep-alive HTTP connections and the tsx loader would otherwise hold the process open.
process.exit(0);
