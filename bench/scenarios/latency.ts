import type { RunContext, ScenarioResult } from "../lib/context.ts";
import { cimMessage, timestampOf } from "../lib/payload.ts";
import { sleep } from "../lib/proc.ts";
import { provisionSources } from "../lib/provision.ts";
import { connectPool, connectSubscriber, DeliveryTracker, runPaced } from "../lib/publishers.ts";
import { repetitions, ScenarioRecorder } from "../lib/scenario.ts";
import { startAedes, startHub, startMosquitto, type Target } from "../lib/servers.ts";
import { type LiveStream, openLiveStream } from "../lib/sse.ts";

/**
 * Scenario 2: a fixed 1,000 msg/s over 100 devices (10 msg/s each, open loop, QoS 1).
 * publish→PUBACK and publish→visible: in the hub's live stream (SSE, one per device), or at a raw
 * broker's subscriber.
 */
export async function latencyScenario(ctx: RunContext): Promise<ScenarioResult> {
  const quick = ctx.options.quick;
  const deviceCount = 100;
  const rate = 1000;
  const warmupMs = quick ? 1000 : 2000;
  const measureMs = quick ? 3000 : 10_000;
  const reps = repetitions(ctx);
  const dir = ctx.temp("latency");
  const devices = await provisionSources(dir, deviceCount);
  const tsOffsets = new Map(devices.map((d) => [d.topic, cimMessage(d.id, d.index).tsOffset]));
  const rec = new ScenarioRecorder(ctx, "latency", "2. Latency at 1,000 msg/s over 100 devices", {
    devices: deviceCount,
    totalRatePerSec: rate,
    qos: 1,
    warmupMs,
    measureMs,
    repetitions: reps,
    hubRateLimit: "default (100 msg/s per device)",
    visible:
      "hub: event: record on GET /api/datasources/{id}/live (one stream per device); raw: QoS 1 subscriber",
  });
  // One live stream per device, all in the bench's one session.
  const hub = await startHub(ctx, { dataDir: dir, label: "latency-hub", liveStreams: deviceCount });
  const aedes = await startAedes(ctx, devices, { label: "latency-aedes" });
  const aedesFsync = await startAedes(ctx, devices, { label: "latency-aedes-fsync", durable: true });
  const mosquitto = await startMosquitto(ctx, { label: "latency-mosquitto" });
  try {
    for (let rep = 0; rep < reps; rep++) {
      const p99: Record<string, number> = {};
      for (const target of [hub, aedes, aedesFsync, mosquitto] as Target[]) {
        const tracker = new DeliveryTracker();
        const streams: LiveStream[] = [];
        let subscriber: { destroy(): void } | undefined;
        if (target.kind === "hub") {
          const token = await hub.token();
          for (const d of devices) {
            streams.push(
              await openLiveStream(hub.httpUrl, token, d.id, (id, ts) =>
                tracker.deliver(`aiida/${id}/data|${ts}`),
              ),
            );
          }
        } else {
          subscriber = await connectSubscriber(target, 1, (topic, payload) =>
            tracker.deliver(`${topic}|${timestampOf(payload, tsOffsets.get(topic) ?? 0)}`),
          );
        }
        const pool = await connectPool(target, devices);
        if (pool.failures > 0) rec.error(`${target.kind}: ${pool.failures} devices failed to connect`);
        const r = await runPaced(pool.publishers, target.pid, {
          ratePerSec: rate,
          warmupMs,
          measureMs,
          tracker,
        });
        const deadline = Date.now() + 5000;
        while (tracker.missingInWindow() > 0 && Date.now() < deadline) await sleep(50);
        const missing = tracker.missingInWindow();
        await pool.close();
        for (const s of streams) s.close();
        subscriber?.destroy();
        if (missing > 0) rec.error(`${target.kind}: ${missing} messages of the window never became visible`);
        if (r.unacked > 0) rec.error(`${target.kind}: ${r.unacked} messages never acked`);
        const visible = tracker.latency.latency();
        const k = target.kind;
        p99[k] = r.ackLatency.p99;
        rec.add(`${k}.ack.p50`, `${k}: publish→PUBACK p50`, "ms", r.ackLatency.p50);
        rec.add(`${k}.ack.p99`, `${k}: publish→PUBACK p99`, "ms", r.ackLatency.p99);
        rec.add(`${k}.ack.p999`, `${k}: publish→PUBACK p99.9`, "ms", r.ackLatency.p999);
        const what = k === "hub" ? "live stream (SSE)" : "subscriber";
        rec.add(`${k}.visible.p50`, `${k}: publish→${what} p50`, "ms", visible.p50);
        rec.add(`${k}.visible.p99`, `${k}: publish→${what} p99`, "ms", visible.p99);
        rec.add(`${k}.visible.p999`, `${k}: publish→${what} p99.9`, "ms", visible.p999);
        rec.add(`${k}.scheduleLagP99`, `${k}: generator schedule lag p99`, "ms", r.scheduleLagP99);
        rec.detail("runs", {
          target: k,
          rep,
          sent: r.sent,
          acked: r.acked,
          ackLatency: r.ackLatency,
          visibleLatency: visible,
          missing,
          scheduleLagP99: r.scheduleLagP99,
          scheduleLagMax: r.scheduleLagMax,
          serverCores: r.serverCores,
          generatorCores: r.generatorCores,
        });
        ctx.log(
          `  latency ${k} rep ${rep + 1}: PUBACK p50/p99/p99.9 ${r.ackLatency.p50.toFixed(2)}/` +
            `${r.ackLatency.p99.toFixed(2)}/${r.ackLatency.p999.toFixed(2)} ms, visible ${visible.p50.toFixed(2)}/` +
            `${visible.p99.toFixed(2)}/${visible.p999.toFixed(2)} ms (${visible.count} samples)`,
        );
      }
      rec.add("ratio.ackP99.aedes", "hub ÷ raw Aedes, PUBACK p99", "×", (p99.hub ?? 0) / (p99.aedes ?? 1));
      rec.add(
        "ratio.ackP99.aedesFsync",
        "hub ÷ raw Aedes + fsync, PUBACK p99",
        "×",
        (p99.hub ?? 0) / (p99["aedes-fsync"] ?? 1),
      );
      rec.add(
        "ratio.ackP99.mosquitto",
        "hub ÷ raw Mosquitto, PUBACK p99",
        "×",
        (p99.hub ?? 0) / (p99.mosquitto ?? 1),
      );
    }
  } finally {
    await hub.stop();
    await aedes.stop();
    await aedesFsync.stop();
    await mosquitto.stop();
  }
  return rec.finish();
}
