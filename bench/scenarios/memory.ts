import type { RunContext, ScenarioResult } from "../lib/context.ts";
import { MiB, memory, sleep } from "../lib/proc.ts";
import { provisionSources } from "../lib/provision.ts";
import { connectPool, type Pool } from "../lib/publishers.ts";
import { repetitions, ScenarioRecorder } from "../lib/scenario.ts";
import { startAedes, startHub, startMosquitto, type Target, type TargetKind } from "../lib/servers.ts";
import { CONNECT_CONCURRENCY } from "./connect-storm.ts";

/** Settles, asks a Node server for two full GCs (SIGUSR2 preload), settles again, reads RSS. */
async function settledRss(target: Target): Promise<number> {
  await sleep(1000);
  if (target.kind !== "mosquitto") process.kill(target.pid, "SIGUSR2");
  await sleep(1000);
  return memory(target.pid).rss;
}

/**
 * Scenario 4: server RSS with 0, 1,000 and 10,000 idle authenticated devices (keep-alive 120 s),
 * and the cost per device. Node servers run with --expose-gc and collect before each reading.
 */
export async function memoryScenario(ctx: RunContext): Promise<ScenarioResult> {
  const quick = ctx.options.quick;
  const stages = quick ? [0, 100, 1000] : [0, 1000, 10_000];
  const total = stages.at(-1) ?? 0;
  const reps = repetitions(ctx);
  const dir = ctx.temp("memory");
  const devices = await provisionSources(dir, total);
  const rec = new ScenarioRecorder(ctx, "memory", "4. Memory with idle connected devices", {
    stages,
    repetitions: reps,
    reading: "VmRSS from /proc/<pid>/status, 1 s after the stage, then two forced full GCs, then 1 s",
    keepaliveSec: 120,
  });
  const kinds: TargetKind[] = ["hub", "aedes", "mosquitto"];
  for (let rep = 0; rep < reps; rep++) {
    const perDevice: Record<string, number> = {};
    for (const kind of kinds) {
      const target: Target =
        kind === "hub"
          ? await startHub(ctx, { dataDir: dir, label: "memory-hub", gcHook: true })
          : kind === "aedes"
            ? await startAedes(ctx, devices, { label: "memory-aedes", gcHook: true })
            : await startMosquitto(ctx, { label: "memory-mosquitto" });
      const pools: Pool[] = [];
      try {
        const rss: number[] = [];
        let connected = 0;
        let failed = 0;
        for (const stage of stages) {
          if (stage > connected) {
            const pool = await connectPool(target, devices.slice(connected, stage), {
              concurrency: CONNECT_CONCURRENCY,
            });
            pools.push(pool);
            if (pool.failures > 0) rec.error(`${kind}: ${pool.failures} devices failed to connect`);
            failed += pool.failures;
            connected = stage;
          }
          const r = await settledRss(target);
          rss.push(r);
          rec.add(
            `${kind}.rss.${stage}`,
            `${kind}: RSS with ${stage.toLocaleString("en-US")} devices`,
            "MiB",
            r / MiB,
          );
        }
        const base = rss[0] ?? 0;
        const last = rss.at(-1) ?? 0;
        const costKiB = failed > 0 ? Number.NaN : (last - base) / total / 1024;
        perDevice[kind] = costKiB;
        rec.add(
          `${kind}.perDevice`,
          `${kind}: RSS per idle device (0 → ${total.toLocaleString("en-US")})`,
          "KiB",
          costKiB,
        );
        rec.detail("runs", { target: kind, rep, rssBytes: rss });
        ctx.log(
          `  memory ${kind} rep ${rep + 1}: ${rss.map((r) => (r / MiB).toFixed(1)).join(" / ")} MiB, ${costKiB.toFixed(1)} KiB per device`,
        );
      } finally {
        for (const p of pools) await p.close();
        await target.stop();
      }
    }
    rec.add("ratio.aedes", "hub ÷ raw Aedes, per device", "×", (perDevice.hub ?? 0) / (perDevice.aedes ?? 1));
    rec.add(
      "ratio.mosquitto",
      "hub ÷ raw Mosquitto, per device",
      "×",
      (perDevice.hub ?? 0) / (perDevice.mosquitto ?? 1),
    );
  }
  return rec.finish();
}
