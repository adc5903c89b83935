import type { RunContext, ScenarioResult } from "../lib/context.ts";
import { cpuSeconds, ownCpuSeconds, sleep } from "../lib/proc.ts";
import { provisionSources } from "../lib/provision.ts";
import { connectPool } from "../lib/publishers.ts";
import { repetitions, ScenarioRecorder } from "../lib/scenario.ts";
import { startAedes, startHub, startMosquitto, type Target, type TargetKind } from "../lib/servers.ts";

/** Connection attempts pending at once: below the listen backlog of 511, so no SYN is dropped. */
export const CONNECT_CONCURRENCY = 500;

/**
 * Scenario 3: 10,000 devices, each with its own data source, connect and authenticate to a freshly
 * restarted hub; the same devices against raw Aedes with an in-memory password check and anonymous
 * Mosquitto. Time from the first connect to the last CONNACK, and the server's CPU seconds.
 */
export async function connectStormScenario(ctx: RunContext): Promise<ScenarioResult> {
  const quick = ctx.options.quick;
  const count = quick ? 1000 : 10_000;
  const reps = repetitions(ctx);
  const dir = ctx.temp("storm");
  const devices = await provisionSources(dir, count);
  const rec = new ScenarioRecorder(ctx, "connect-storm", "3. Connect storm after a restart", {
    devices: count,
    concurrency: CONNECT_CONCURRENCY,
    repetitions: reps,
    hub: "restarted for every repetition; credentials loaded from SQLite at start",
    aedes: "fresh process per repetition; in-memory username→password map",
    mosquitto: "fresh process per repetition; anonymous",
    provisioning: "bulk path: rows inserted into data_source / data_source_mqtt_user / data_source_mqtt_acl",
  });
  const kinds: TargetKind[] = ["hub", "aedes", "mosquitto"];
  for (let rep = 0; rep < reps; rep++) {
    const times: Record<string, number> = {};
    for (const kind of kinds) {
      const t0 = performance.now();
      const target: Target =
        kind === "hub"
          ? await startHub(ctx, { dataDir: dir, label: "storm-hub" })
          : kind === "aedes"
            ? await startAedes(ctx, devices, { label: "storm-aedes" })
            : await startMosquitto(ctx, { label: "storm-mosquitto" });
      const startMs = performance.now() - t0;
      try {
        await sleep(500);
        const c0 = cpuSeconds(target.pid);
        const g0 = ownCpuSeconds();
        const pool = await connectPool(target, devices, { concurrency: CONNECT_CONCURRENCY });
        const c1 = cpuSeconds(target.pid);
        const g1 = ownCpuSeconds();
        if (pool.failures > 0) rec.error(`${kind}: ${pool.failures} of ${count} failed: ${pool.errors[0]}`);
        times[kind] = pool.connectMs;
        rec.add(
          `${kind}.seconds`,
          `${kind}: all ${count.toLocaleString("en-US")} connected`,
          "s",
          pool.connectMs / 1000,
        );
        rec.add(`${kind}.cpu`, `${kind}: server CPU during the storm`, "CPU s", c1 - c0);
        rec.add(`${kind}.generatorCpu`, `${kind}: load generator CPU`, "CPU s", g1 - g0);
        if (kind === "hub")
          rec.add(
            "hub.startSeconds",
            "hub: start until running (process + directory load)",
            "s",
            startMs / 1000,
          );
        rec.detail("runs", {
          target: kind,
          rep,
          connectMs: pool.connectMs,
          serverCpu: c1 - c0,
          generatorCpu: g1 - g0,
          failures: pool.failures,
        });
        ctx.log(
          `  storm ${kind} rep ${rep + 1}: ${(pool.connectMs / 1000).toFixed(2)} s, server ${(c1 - c0).toFixed(2)} CPU s, ` +
            `generator ${(g1 - g0).toFixed(2)} CPU s, ${pool.failures} failed`,
        );
        await pool.close();
      } finally {
        await target.stop();
      }
    }
    rec.add("ratio.aedes", "hub ÷ raw Aedes, time", "×", (times.hub ?? 0) / (times.aedes ?? 1));
    rec.add("ratio.mosquitto", "hub ÷ raw Mosquitto, time", "×", (times.hub ?? 0) / (times.mosquitto ?? 1));
  }
  return rec.finish();
}
