import type { RunContext, ScenarioResult } from "../lib/context.ts";
import { cpuSeconds, ownCpuSeconds, sleep } from "../lib/proc.ts";
import { type Device, provisionSources } from "../lib/provision.ts";
import { connectPool } from "../lib/publishers.ts";
import { repetitions, ScenarioRecorder } from "../lib/scenario.ts";
import { startAedes, startHub, startMosquitto, type Target } from "../lib/servers.ts";

/** Connection attempts pending at once: below the listen backlog of 511, so no SYN is dropped. */
export const CONNECT_CONCURRENCY = 500;

/** Devices of the TLS rows (the first ones of the plain storm's devices). */
export const TLS_DEVICES = 2000;

/** A server of the storm: plain MQTT, or MQTT over TLS (the hub with --tls, Mosquitto with a TLS listener). */
type StormRow = "hub" | "aedes" | "mosquitto" | "hub-tls" | "mosquitto-tls";

const LABELS: Record<StormRow, string> = {
  hub: "hub",
  aedes: "aedes",
  mosquitto: "mosquitto",
  "hub-tls": "hub TLS",
  "mosquitto-tls": "mosquitto TLS",
};

/**
 * Scenario 3: 10,000 devices, each with its own data source, connect and authenticate to a freshly
 * restarted hub; the same devices against raw Aedes with an in-memory password check and anonymous
 * Mosquitto. Time from the first connect to the last CONNACK, and the server's CPU seconds. Then the
 * same over TLS (every connect a full TLS 1.3 handshake with an ECDSA P-256 certificate) against the
 * hub with --tls and Mosquitto with a TLS listener.
 */
export async function connectStormScenario(ctx: RunContext): Promise<ScenarioResult> {
  const quick = ctx.options.quick;
  const plainCount = quick ? 1000 : 10_000;
  // Fewer over TLS: each client handshake costs the one-threaded generator ~2 ms of CPU (it verifies the
  // server's certificate chain), so 10,000 would take over a minute per row and measure the generator.
  const tlsCount = Math.min(plainCount, TLS_DEVICES);
  const reps = repetitions(ctx);
  const dir = ctx.temp("storm");
  const devices = await provisionSources(dir, plainCount);
  const rec = new ScenarioRecorder(ctx, "connect-storm", "3. Connect storm after a restart", {
    devices: plainCount,
    tlsDevices: tlsCount,
    concurrency: CONNECT_CONCURRENCY,
    repetitions: reps,
    hub: "restarted for every repetition; credentials loaded from SQLite at start",
    aedes: "fresh process per repetition; in-memory username→password map",
    mosquitto: "fresh process per repetition; anonymous",
    provisioning: "bulk path: rows inserted into data_source / data_source_mqtt_user / data_source_mqtt_acl",
    tls: "hub --tls (its generated private CA, ECDSA P-256; the bench trusts <data dir>/tls/ca-certificate.pem); Mosquitto: TLS listener with an openssl-made ECDSA P-256 CA and server certificate, anonymous; full handshakes (no session resumption), TLS 1.3",
  });
  const kinds: StormRow[] = ["hub", "aedes", "mosquitto", "hub-tls", "mosquitto-tls"];
  const skipped = new Set<StormRow>();
  for (let rep = 0; rep < reps; rep++) {
    const times: Record<string, number> = {};
    const cpuPerConnect: Record<string, number> = {};
    for (const kind of kinds) {
      if (skipped.has(kind)) continue;
      const t0 = performance.now();
      let target: Target;
      try {
        target = await startStormTarget(ctx, kind, dir, devices);
      } catch (err) {
        // A hub from before TLS (--hub-ref) does not know --tls: its row is left out, and said so.
        if (kind !== "hub-tls") throw err;
        skipped.add(kind);
        rec.notes.push(`No TLS row for the hub: it did not start with --tls (${firstLine(err)}).`);
        ctx.log(`  storm hub-tls skipped: ${firstLine(err)}`);
        continue;
      }
      const startMs = performance.now() - t0;
      try {
        await sleep(500);
        const c0 = cpuSeconds(target.pid);
        const g0 = ownCpuSeconds();
        const stormDevices = kind.endsWith("-tls") ? devices.slice(0, tlsCount) : devices;
        const count = stormDevices.length;
        const pool = await connectPool(target, stormDevices, { concurrency: CONNECT_CONCURRENCY });
        const c1 = cpuSeconds(target.pid);
        const g1 = ownCpuSeconds();
        if (pool.failures > 0) rec.error(`${kind}: ${pool.failures} of ${count} failed: ${pool.errors[0]}`);
        times[kind] = pool.connectMs;
        cpuPerConnect[kind] = (c1 - c0) / count;
        const label = LABELS[kind];
        rec.add(
          `${kind}.seconds`,
          `${label}: all ${count.toLocaleString("en-US")} connected`,
          "s",
          pool.connectMs / 1000,
        );
        rec.add(`${kind}.cpu`, `${label}: server CPU during the storm`, "CPU s", c1 - c0);
        rec.add(
          `${kind}.cpuPerConnect`,
          `${label}: server CPU per connect`,
          "ms",
          ((c1 - c0) * 1000) / count,
        );
        rec.add(`${kind}.generatorCpu`, `${label}: load generator CPU`, "CPU s", g1 - g0);
        if (kind === "hub" || kind === "hub-tls")
          rec.add(
            `${kind}.startSeconds`,
            `${label}: start until running (process + directory load${kind === "hub-tls" ? " + certificate" : ""})`,
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
    if (times["hub-tls"] !== undefined) {
      rec.add(
        "ratio.tls.mosquitto",
        "hub TLS ÷ raw Mosquitto TLS, time",
        "×",
        times["hub-tls"] / (times["mosquitto-tls"] ?? 1),
      );
      rec.add(
        "ratio.tls.hubCpu",
        "hub TLS ÷ hub plain, server CPU per connect",
        "×",
        (cpuPerConnect["hub-tls"] ?? 0) / (cpuPerConnect.hub ?? 1),
      );
    }
  }
  return rec.finish();
}

function startStormTarget(
  ctx: RunContext,
  kind: StormRow,
  dir: string,
  devices: readonly Device[],
): Promise<Target> {
  switch (kind) {
    case "hub":
      return startHub(ctx, { dataDir: dir, label: "storm-hub" });
    case "hub-tls":
      return startHub(ctx, { dataDir: dir, label: "storm-hub-tls", tls: true });
    case "aedes":
      return startAedes(ctx, devices, { label: "storm-aedes" });
    case "mosquitto":
      return startMosquitto(ctx, { label: "storm-mosquitto" });
    case "mosquitto-tls":
      return startMosquitto(ctx, { label: "storm-mosquitto-tls", tls: true });
  }
}

function firstLine(err: unknown): string {
  return ((err as Error).message ?? String(err)).split("\n").slice(0, 2).join(" ").slice(0, 300);
}
