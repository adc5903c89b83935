import Database from "better-sqlite3";
import type { RunContext, ScenarioResult } from "../lib/context.ts";
import { cpuSeconds, MiB, memory, ownCpuSeconds, resetPeakRss, sleep } from "../lib/proc.ts";
import { type Device, provisionSources } from "../lib/provision.ts";
import { connectPool, connectSubscriber, runWindowed, startFlood } from "../lib/publishers.ts";
import { openRecordCounter, type RecordCounter, repetitions, ScenarioRecorder } from "../lib/scenario.ts";
import { type HubTarget, startAedes, startHub } from "../lib/servers.ts";
import { slope } from "../lib/stats.ts";
import { THROUGHPUT_RATE_LIMIT, windowFor } from "./ingest.ts";

interface FloodFigures {
  /** Stored (hub) or delivered (raw) messages per second after warm-up. */
  rate: number;
  ackRate: number;
  peakRss: number;
  rssStart: number;
  rssEnd: number;
  /** RSS trend over the second half of the flood, MiB/s. */
  rssSlope: number;
  sent: number;
  /** Cores used by the load generator and by the server during the window. */
  generatorCores: number;
  serverCores: number;
  /** Messages the hub refused (rate limit) during the run. */
  rejected: number;
  phaseMs?: Record<string, number>;
}

/** Samples RSS every 250 ms while `during` runs. */
async function sampleRss(pid: number, during: Promise<void>): Promise<[number, number][]> {
  const samples: [number, number][] = [];
  const t0 = performance.now();
  let done = false;
  void during.finally(() => {
    done = true;
  });
  while (!done) {
    try {
      samples.push([(performance.now() - t0) / 1000, memory(pid).rss]);
    } catch {
      break;
    }
    await sleep(250);
  }
  return samples;
}

/** Messages the hub has accounted for (stored or refused), from its data_source counters. */
function messagesCounted(dbFile: string): number {
  const db = new Database(dbFile, { readonly: true });
  try {
    return (
      db
        .prepare("SELECT coalesce(sum(messages_accepted + messages_rejected), 0) AS n FROM data_source")
        .get() as {
        n: number;
      }
    ).n;
  } finally {
    db.close();
  }
}

function rejectedMessages(dbFile: string): number {
  const db = new Database(dbFile, { readonly: true });
  try {
    return (
      db.prepare("SELECT coalesce(sum(messages_rejected), 0) AS n FROM data_source").get() as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

/**
 * Scenario 7: 100 devices publish as fast as their sockets take it, at QoS 0 and at QoS 1 (no
 * window). The hub's stored messages per second and RSS, against its own windowed 100-device
 * figure in the same run; raw Aedes pub→sub under the same flood for contrast.
 */
export async function overloadScenario(ctx: RunContext): Promise<ScenarioResult> {
  const quick = ctx.options.quick;
  const deviceCount = 100;
  const warmupMs = quick ? 1000 : 2000;
  const floodMs = quick ? 3000 : 10_000;
  const reps = repetitions(ctx);
  const dir = ctx.temp("overload");
  const devices = await provisionSources(dir, deviceCount);
  const rec = new ScenarioRecorder(ctx, "overload", "7. Overload: 100 devices as fast as they can", {
    devices: deviceCount,
    warmupMs,
    floodMs,
    repetitions: reps,
    reference: `windowed QoS 1 run as in scenario 1 (window ${windowFor(deviceCount)} per device), same hub process`,
    qos1Flood: "no window (at most 50,000 unacknowledged per device); TCP back-pressure only",
    hubRateLimits: [THROUGHPUT_RATE_LIMIT, "default (100 msg/s per device), one repetition only"],
    rawAedes: "pub→sub with one subscriber at the same QoS, fresh process per run",
  });
  const variants = [
    {
      key: "hub",
      rateLimit: THROUGHPUT_RATE_LIMIT as number | undefined,
      what: `--rate-limit ${THROUGHPUT_RATE_LIMIT}`,
    },
    // A diagnostic beside the goal: how the per-device rate limit behaves under the flood; one repetition.
    { key: "hubDefaultLimit", rateLimit: undefined, what: "default rate limit, 1 rep" },
  ];
  for (const variant of variants) {
    const hub = await startHub(ctx, {
      dataDir: dir,
      label: `overload-${variant.key}`,
      ...(variant.rateLimit !== undefined && { rateLimit: variant.rateLimit }),
    });
    const counter = await openRecordCounter(hub);
    try {
      const variantReps = variant.rateLimit === undefined ? 1 : reps;
      for (let rep = 0; rep < variantReps; rep++) {
        resetPeakRss(hub.pid);
        const refPool = await connectPool(hub, devices);
        const ref = await runWindowed(refPool.publishers, hub.pid, {
          window: windowFor(deviceCount),
          warmupMs: 1000,
          measureMs: quick ? 1500 : 5000,
        });
        await refPool.close();
        const refPeak = memory(hub.pid).hwm;
        rec.add(`${variant.key}.reference`, `hub (${variant.what}): windowed reference`, "msg/s", ref.rate);
        rec.add(
          `${variant.key}.referencePeakRss`,
          `hub (${variant.what}): peak RSS in reference`,
          "MiB",
          refPeak / MiB,
        );
        for (const qos of [0, 1] as const) {
          const f = await floodHub(hub, counter, devices, qos, warmupMs, floodMs);
          const k = `${variant.key}.qos${qos}`;
          rec.add(`${k}.rate`, `hub (${variant.what}), QoS ${qos}: stored`, "msg/s", f.rate);
          if (qos === 1) rec.add(`${k}.ackRate`, `hub (${variant.what}), QoS 1: acked`, "msg/s", f.ackRate);
          rec.add(
            `${k}.ratio`,
            `hub (${variant.what}), QoS ${qos}: ÷ windowed reference`,
            "×",
            f.rate / ref.rate,
          );
          rec.add(`${k}.peakRss`, `hub (${variant.what}), QoS ${qos}: peak RSS`, "MiB", f.peakRss / MiB);
          rec.add(
            `${k}.rssSlope`,
            `hub (${variant.what}), QoS ${qos}: RSS trend, 2nd half`,
            "MiB/s",
            f.rssSlope,
          );
          rec.add(
            `${k}.peakVsReference`,
            `hub (${variant.what}), QoS ${qos}: peak RSS ÷ reference peak`,
            "×",
            f.peakRss / refPeak,
          );
          if (variant.rateLimit === undefined) {
            rec.add(
              `${k}.rejected`,
              `hub (${variant.what}), QoS ${qos}: rejected (rate limit)`,
              "msg",
              f.rejected,
            );
          }
          rec.detail("runs", {
            variant: variant.key,
            qos,
            rep,
            reference: ref.rate,
            refPeakRss: refPeak,
            ...f,
          });
          ctx.log(
            `  overload ${variant.key} QoS ${qos} rep ${rep + 1}: stored ${Math.round(f.rate)} msg/s ` +
              `(reference ${Math.round(ref.rate)}), RSS ${(f.rssStart / MiB).toFixed(0)} → peak ${(f.peakRss / MiB).toFixed(0)} MiB, ` +
              `server ${f.serverCores.toFixed(2)} cores, generator ${f.generatorCores.toFixed(2)}; phases ${JSON.stringify(f.phaseMs)}`,
          );
        }
      }
    } finally {
      await counter.close();
      await hub.stop();
    }
  }
  for (let rep = 0; rep < reps; rep++) {
    for (const qos of [0, 1] as const) {
      const f = await floodAedes(ctx, devices, qos, warmupMs, floodMs);
      rec.add(`aedes.qos${qos}.rate`, `raw Aedes pub→sub, QoS ${qos}: delivered`, "msg/s", f.rate);
      rec.add(`aedes.qos${qos}.peakRss`, `raw Aedes pub→sub, QoS ${qos}: peak RSS`, "MiB", f.peakRss / MiB);
      rec.add(
        `aedes.qos${qos}.rssSlope`,
        `raw Aedes pub→sub, QoS ${qos}: RSS trend, 2nd half`,
        "MiB/s",
        f.rssSlope,
      );
      rec.detail("runs", { variant: "aedes", qos, rep, ...f });
      ctx.log(
        `  overload raw Aedes QoS ${qos} rep ${rep + 1}: delivered ${Math.round(f.rate)} msg/s, ` +
          `RSS peak ${(f.peakRss / MiB).toFixed(0)} MiB, server ${f.serverCores.toFixed(2)} cores, generator ${f.generatorCores.toFixed(2)}`,
      );
    }
  }
  return rec.finish();
}

async function floodHub(
  hub: HubTarget,
  counter: RecordCounter,
  devices: readonly Device[],
  qos: 0 | 1,
  warmupMs: number,
  floodMs: number,
): Promise<FloodFigures> {
  const tConnect = performance.now();
  const pool = await connectPool(hub, devices);
  const tFlood = performance.now();
  const rejectedBefore = rejectedMessages(hub.dbFile);
  resetPeakRss(hub.pid);
  const rssStart = memory(hub.pid).rss;
  const flood = startFlood(pool.publishers, { qos });
  const window = (async () => {
    await sleep(warmupMs);
    const c0 = await counter.count();
    const a0 = flood.stats.acked;
    const t0 = performance.now();
    const g0 = ownCpuSeconds();
    const s0 = cpuSeconds(hub.pid);
    await sleep(floodMs - warmupMs);
    const c1 = await counter.count();
    const a1 = flood.stats.acked;
    const seconds = (performance.now() - t0) / 1000;
    return {
      rate: (c1 - c0) / seconds,
      ackRate: (a1 - a0) / seconds,
      generatorCores: (ownCpuSeconds() - g0) / seconds,
      serverCores: (cpuSeconds(hub.pid) - s0) / seconds,
    };
  })();
  const samples = await sampleRss(
    hub.pid,
    window.then(() => {}),
  );
  const { rate, ackRate, generatorCores, serverCores } = await window;
  const peakRss = memory(hub.pid).hwm;
  flood.stop();
  const tStop = performance.now();
  // RST at once: a plain close would still deliver megabytes of queued flood from the kernel buffers.
  for (const p of pool.publishers) p.client.socket.resetAndDestroy();
  await pool.close();
  const tClosed = performance.now();
  // Let the hub finish what it had read before the next run: until its message counters stand still.
  let last = -1;
  for (let i = 0; i < 120; i++) {
    const n = messagesCounted(hub.dbFile);
    if (n === last) break;
    last = n;
    await sleep(250);
  }
  const rejected = rejectedMessages(hub.dbFile) - rejectedBefore;
  const tSettled = performance.now();
  return {
    phaseMs: {
      connect: tFlood - tConnect,
      flood: tStop - tFlood,
      close: tClosed - tStop,
      settle: tSettled - tClosed,
    },
    ...summarizeFlood(samples, rate, ackRate, peakRss, rssStart, flood.stats.sent),
    generatorCores,
    serverCores,
    rejected,
  };
}

async function floodAedes(
  ctx: RunContext,
  devices: readonly Device[],
  qos: 0 | 1,
  warmupMs: number,
  floodMs: number,
): Promise<FloodFigures> {
  const aedes = await startAedes(ctx, devices, { label: "overload-aedes" });
  try {
    let delivered = 0;
    const subscriber = await connectSubscriber(aedes, qos, () => {
      delivered++;
    });
    const pool = await connectPool(aedes, devices);
    const rssStart = memory(aedes.pid).rss;
    const flood = startFlood(pool.publishers, { qos });
    const window = (async () => {
      await sleep(warmupMs);
      const d0 = delivered;
      const a0 = flood.stats.acked;
      const t0 = performance.now();
      const g0 = ownCpuSeconds();
      const s0 = cpuSeconds(aedes.pid);
      await sleep(floodMs - warmupMs);
      const seconds = (performance.now() - t0) / 1000;
      return {
        rate: (delivered - d0) / seconds,
        ackRate: (flood.stats.acked - a0) / seconds,
        generatorCores: (ownCpuSeconds() - g0) / seconds,
        serverCores: (cpuSeconds(aedes.pid) - s0) / seconds,
      };
    })();
    const samples = await sampleRss(
      aedes.pid,
      window.then(() => {}),
    );
    const { rate, ackRate, generatorCores, serverCores } = await window;
    const peakRss = memory(aedes.pid).hwm;
    flood.stop();
    // RST at once: a plain close would still deliver megabytes of queued flood from the kernel buffers.
    for (const p of pool.publishers) p.client.socket.resetAndDestroy();
    subscriber.destroy();
    return {
      ...summarizeFlood(samples, rate, ackRate, peakRss, rssStart, flood.stats.sent),
      generatorCores,
      serverCores,
      rejected: 0,
    };
  } finally {
    await aedes.stop(5000);
  }
}

function summarizeFlood(
  samples: [number, number][],
  rate: number,
  ackRate: number,
  peakRss: number,
  rssStart: number,
  sent: number,
): Omit<FloodFigures, "rejected" | "generatorCores" | "serverCores"> {
  const half = samples.slice(Math.floor(samples.length / 2));
  return {
    rate,
    ackRate,
    peakRss: Math.max(peakRss, ...samples.map(([, r]) => r)),
    rssStart,
    rssEnd: samples.at(-1)?.[1] ?? Number.NaN,
    rssSlope: slope(half.map(([t, r]) => [t, r / MiB] as const)),
    sent,
  };
}
