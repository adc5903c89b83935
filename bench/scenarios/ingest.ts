import type { RunContext, ScenarioResult } from "../lib/context.ts";
import type { ProtocolVersion } from "../lib/mqtt-wire.ts";
import { sampleWaits } from "../lib/postgres-waits.ts";
import { postgresCpuSeconds, sleep } from "../lib/proc.ts";
import { type Device, provisionSources } from "../lib/provision.ts";
import { averagePayloadBytes, connectPool, connectSubscriber, runWindowed } from "../lib/publishers.ts";
import { openRecordCounter, type RecordCounter, repetitions, ScenarioRecorder } from "../lib/scenario.ts";
import { startAedes, startHub, startMosquitto, type Target } from "../lib/servers.ts";
import { speaksMqtt5 } from "../lib/speaks-mqtt5.ts";

/** Rate limit for throughput runs: the hub's default (100 msg/s per device) would cap one device. */
export const THROUGHPUT_RATE_LIMIT = 100_000;

/** In-flight QoS 1 messages per device, by device count: 500, 20 and 2 in flight in total about 500–2,000. */
export function windowFor(devices: number): number {
  if (devices <= 1) return 500;
  if (devices <= 100) return 20;
  return 2;
}

/** One row group of the table: a server and the MQTT version its publishers speak. */
interface Row {
  /** Metric id prefix: "hub", "aedes", "mosquitto", "hub-mqtt5", "mosquitto-mqtt5". */
  readonly key: string;
  readonly label: string;
  readonly target: Target;
  readonly version: ProtocolVersion;
}

/**
 * Scenario 1: closed-loop QoS 1 throughput of 1, 100 and 1,000 devices against the hub (ack after
 * commit), raw Aedes and raw Mosquitto (pub→sub: one subscriber on every data topic), with MQTT 3.1.1
 * publishers and again with MQTT 5 ones (hub and Mosquitto; raw Aedes speaks no MQTT 5).
 */
export async function ingestScenario(ctx: RunContext): Promise<ScenarioResult> {
  const quick = ctx.options.quick;
  const counts = quick ? [1, 100] : [1, 100, 1000];
  const warmupMs = quick ? 500 : 1000;
  const measureMs = quick ? 1500 : 4000;
  const reps = repetitions(ctx);
  const dir = ctx.temp("ingest");
  // Fresh devices for every count, repetition and MQTT version, so timestamps stay near the clock (see
  // TS_LEAD_MS): one device set per version, each used by every server of that version in turn.
  const total = counts.reduce((sum, n) => sum + n * reps, 0);
  const devices = await provisionSources(dir, total);
  const devices5 = await provisionSources(dir, total, total);
  let nextDevice = 0;
  const rec = new ScenarioRecorder(ctx, "ingest", "1. Ingest throughput, QoS 1, windowed", {
    deviceCounts: counts,
    windowPerDevice: Object.fromEntries(counts.map((n) => [n, windowFor(n)])),
    warmupMs,
    measureMs,
    repetitions: reps,
    hubRateLimit: THROUGHPUT_RATE_LIMIT,
    averagePayloadBytes: Math.round(averagePayloadBytes(devices)),
    quantitiesPerMessage: "2–6 (by device)",
    rawBrokers: "pub→sub: one QoS 1 subscriber (MQTT 3.1.1) on aiida/+/data in the bench process",
    mqtt5: "publishers CONNECT with protocol level 5 and no properties; PUBLISH with no properties",
  });
  rec.notes.push(
    `The hub runs with --rate-limit ${THROUGHPUT_RATE_LIMIT} (default 100 msg/s per device would cap one device at 200/s).`,
  );
  const onPostgres = ctx.options.database === "postgres";
  if (onPostgres)
    rec.notes.push(
      "With --database postgres the hub runs twice, on the same devices: on its SQLite file (the rows named hub) and on a fresh PostgreSQL database (hub on PostgreSQL).",
    );
  // Started first: its database is copied from the SQLite file while no hub writes to it.
  const hubPg = onPostgres
    ? await startHub(ctx, {
        dataDir: dir,
        label: "ingest-hub-pg",
        rateLimit: THROUGHPUT_RATE_LIMIT,
        database: "postgres",
      })
    : undefined;
  const hub = await startHub(ctx, {
    dataDir: dir,
    label: "ingest-hub",
    rateLimit: THROUGHPUT_RATE_LIMIT,
    database: "sqlite",
  });
  const aedes = await startAedes(ctx, [...devices, ...devices5], { label: "ingest-aedes" });
  const mosquitto = await startMosquitto(ctx, { label: "ingest-mosquitto" });
  const counters = new Map<Target, RecordCounter>([[hub, await openRecordCounter(hub)]]);
  if (hubPg) counters.set(hubPg, await openRecordCounter(hubPg));
  const rows: Row[] = [
    { key: "hub", label: onPostgres ? "hub (SQLite)" : "hub", target: hub, version: 4 },
    ...(hubPg ? [{ key: "hub-pg", label: "hub on PostgreSQL", target: hubPg, version: 4 } as const] : []),
    { key: "aedes", label: "aedes", target: aedes, version: 4 },
    { key: "mosquitto", label: "mosquitto", target: mosquitto, version: 4 },
  ];
  // Asked, not assumed: a version of the hub from before its own endpoint (--hub-ref) refuses MQTT 5.
  const probe = devices5[0] as Device;
  for (const [key, target] of [
    ["hub-mqtt5", hub],
    ["aedes-mqtt5", aedes],
    ["mosquitto-mqtt5", mosquitto],
  ] as const) {
    const refusal = await speaksMqtt5(target, probe);
    if (refusal === undefined) rows.push({ key, label: `${target.kind} MQTT 5`, target, version: 5 });
    else rec.notes.push(`No MQTT 5 row for ${target.kind}: it refuses an MQTT 5 CONNECT (${refusal}).`);
  }
  const has = (key: string) => rows.some((r) => r.key === key);
  try {
    for (const n of counts) {
      for (let rep = 0; rep < reps; rep++) {
        const rates: Record<string, number> = {};
        const repDevices = devices.slice(nextDevice, nextDevice + n);
        const repDevices5 = devices5.slice(nextDevice, nextDevice + n);
        nextDevice += n;
        for (const { key, label, target, version } of rows) {
          let delivered = 0;
          const subscriber =
            target.kind === "hub"
              ? undefined
              : await connectSubscriber(target, 1, () => {
                  delivered++;
                });
          const pool = await connectPool(target, version === 5 ? repDevices5 : repDevices, {
            protocolVersion: version,
          });
          if (pool.failures > 0)
            rec.error(`${label}: ${pool.failures} devices failed to connect: ${pool.errors[0]}`);
          const counter = counters.get(target);
          const before = counter ? await counter.count() : 0;
          const onDatabase = target === hubPg;
          const waits = onDatabase && hubPg?.databaseUrl ? await sampleWaits(hubPg.databaseUrl) : undefined;
          const r = await runWindowed(pool.publishers, target.pid, {
            window: windowFor(n),
            warmupMs,
            measureMs,
            ...(onDatabase && { otherCpuSeconds: postgresCpuSeconds }),
          });
          const waited = await waits?.stop();
          await pool.close();
          let stored: number | undefined;
          if (counter) {
            stored = (await counter.count()) - before;
            if (stored < r.acked)
              rec.error(`${label}, ${n} devices: ${r.acked} acked but only ${stored} stored`);
          } else {
            const deadline = Date.now() + 10_000;
            while (delivered < r.acked && Date.now() < deadline) await sleep(50);
            subscriber?.destroy();
            if (delivered < r.acked)
              rec.error(`${label}, ${n} devices: ${r.acked} acked, ${delivered} delivered`);
          }
          if (r.unacked > 0) rec.error(`${label}, ${n} devices: ${r.unacked} messages never acked`);
          if (r.connectionsLost > 0)
            rec.error(`${label}, ${n} devices: ${r.connectionsLost} connections lost`);
          const refused = Object.entries(r.pubackReasonCodes);
          if (refused.length > 0)
            rec.error(
              `${label}, ${n} devices: PUBACKs with reason codes ${refused.map(([c, k]) => `0x${Number(c).toString(16)} ×${k}`).join(", ")}`,
            );
          rates[key] = r.rate;
          const k = `${key}.${n}`;
          rec.add(`${k}.rate`, `${label}, ${n} devices: acked`, "msg/s", r.rate);
          rec.add(`${k}.ackP99`, `${label}, ${n} devices: PUBACK p99 under load`, "ms", r.ackLatency.p99);
          rec.add(`${k}.serverCores`, `${label}, ${n} devices: server CPU`, "cores", r.serverCores);
          // CPU per message holds steadier than msg/s when other processes share the machine.
          rec.add(
            `${k}.cpuPerMessage`,
            `${label}, ${n} devices: server CPU per message`,
            "µs",
            r.rate > 0 ? (r.serverCores / r.rate) * 1e6 : Number.NaN,
          );
          if (onDatabase)
            rec.add(
              `${k}.postgresCores`,
              `${label}, ${n} devices: PostgreSQL server CPU`,
              "cores",
              r.otherCores,
            );
          rec.add(
            `${k}.generatorCores`,
            `${label}, ${n} devices: load generator CPU`,
            "cores",
            r.generatorCores,
          );
          rec.detail("runs", {
            target: key,
            devices: n,
            rep,
            sent: r.sent,
            acked: r.acked,
            storedOrDelivered: stored ?? delivered,
            rate: r.rate,
            ackLatency: r.ackLatency,
            serverCores: r.serverCores,
            ...(onDatabase && { postgresCores: r.otherCores, postgresWaits: waited }),
            generatorCores: r.generatorCores,
          });
          ctx.log(
            `  ingest ${label} ${n} dev rep ${rep + 1}: ${Math.round(r.rate)} msg/s ` +
              `(server ${r.serverCores.toFixed(2)} cores${onDatabase ? `, PostgreSQL ${r.otherCores.toFixed(2)}` : ""}, generator ${r.generatorCores.toFixed(2)}, ` +
              `${stored !== undefined ? `stored ${stored}` : `delivered ${delivered}`}/${r.acked} acked)`,
          );
        }
        rec.add(
          `ratio.aedes.${n}`,
          `hub ÷ raw Aedes, ${n} devices`,
          "×",
          (rates.hub ?? 0) / (rates.aedes ?? 1),
        );
        rec.add(
          `ratio.mosquitto.${n}`,
          `hub ÷ raw Mosquitto, ${n} devices`,
          "×",
          (rates.hub ?? 0) / (rates.mosquitto ?? 1),
        );
        if (has("hub-pg"))
          rec.add(
            `ratio.postgres.${n}`,
            `hub on PostgreSQL ÷ hub on SQLite, ${n} devices`,
            "×",
            (rates["hub-pg"] ?? 0) / (rates.hub ?? 1),
          );
        if (has("hub-mqtt5") && has("mosquitto-mqtt5"))
          rec.add(
            `ratio.mosquitto-mqtt5.${n}`,
            `hub MQTT 5 ÷ raw Mosquitto MQTT 5, ${n} devices`,
            "×",
            (rates["hub-mqtt5"] ?? 0) / (rates["mosquitto-mqtt5"] ?? 1),
          );
        if (has("hub-mqtt5"))
          rec.add(
            `ratio.hub-mqtt5.${n}`,
            `hub MQTT 5 ÷ hub MQTT 3.1.1, ${n} devices`,
            "×",
            (rates["hub-mqtt5"] ?? 0) / (rates.hub ?? 1),
          );
      }
    }
  } finally {
    for (const counter of counters.values()) await counter.close();
    await hub.stop();
    await hubPg?.stop();
    await aedes.stop();
    await mosquitto.stop();
  }
  return rec.finish();
}
