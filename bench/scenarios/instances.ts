import type { RunContext, ScenarioResult } from "../lib/context.ts";
import { FailoverDevice } from "../lib/failover-device.ts";
import { benchPool } from "../lib/postgres.ts";
import { sampleWaits } from "../lib/postgres-waits.ts";
import { postgresCpuSeconds, sleep } from "../lib/proc.ts";
import { type Device, provisionSources } from "../lib/provision.ts";
import { connectPool, runWindowed, type WindowedResult } from "../lib/publishers.ts";
import { openRecordCounter, repetitions, ScenarioRecorder } from "../lib/scenario.ts";
import { type HubTarget, startHub } from "../lib/servers.ts";
import { THROUGHPUT_RATE_LIMIT, windowFor } from "./ingest.ts";

/** The log line of the instance that leads the singleton jobs (src/hub-instances.ts). */
const LEADS = '"msg":"this instance runs the retention and rollup jobs"';
/** The log line of a leader that found it lost the lead (woken from SIGSTOP). */
const STOPPED_LEADING = '"msg":"this instance no longer runs the retention and rollup jobs"';
const DEVICES = 100;
/** How long the bench waits for a takeover before it records a failure. */
const TAKEOVER_TIMEOUT_MS = 60_000;

/** One of the two instances: its label (log file name) and the running process. */
interface Instance {
  readonly label: string;
  hub: HubTarget;
}

/**
 * Scenario 8 (PostgreSQL only): two hub processes on one database. Total QoS 1 ingest of 100 devices,
 * half connected to each; then, per repetition, kill -9 of the instance that leads the retention and
 * rollup jobs (time until the other logs that it leads; a device of the killed instance connecting to
 * the other: time to its first PUBACK after the kill), the killed one started again, and SIGSTOP of
 * the leader (time until the other leads; after SIGCONT the frozen one says it stopped leading).
 */
export async function instancesScenario(ctx: RunContext): Promise<ScenarioResult> {
  const quick = ctx.options.quick;
  const reps = repetitions(ctx);
  const warmupMs = quick ? 500 : 1000;
  const measureMs = quick ? 1500 : 4000;
  const rec = new ScenarioRecorder(ctx, "instances", "8. Two hub instances on one PostgreSQL database", {
    devices: DEVICES,
    split: "half the devices connect to each instance",
    windowPerDevice: windowFor(DEVICES),
    warmupMs,
    measureMs,
    repetitions: reps,
    hubRateLimit: THROUGHPUT_RATE_LIMIT,
    failover:
      "times from the signal to the log line of the other instance (its own timestamp); the device sends one QoS 1 message every 10 ms and connects to the other instance as soon as its connection drops",
  });
  if (ctx.options.database !== "postgres") {
    rec.notes.push("Skipped: several instances share a PostgreSQL database (run with --database postgres).");
    return rec.finish();
  }
  const dir = ctx.temp("instances");
  // One set of devices per repetition, one for the failover device of each, one for the warm-up round.
  const devices = await provisionSources(dir, DEVICES * (reps + 1) + reps);
  const start = (label: string) =>
    startHub(ctx, { dataDir: dir, label, rateLimit: THROUGHPUT_RATE_LIMIT, database: "postgres" });
  // The same data dir: the same database (postgresFor) and the same key file, each its own log.
  const a: Instance = { label: "instance-a", hub: await start("instance-a") };
  const b: Instance = { label: "instance-b", hub: await start("instance-b") };
  const both = [a, b];
  const counter = await openRecordCounter(a.hub);
  try {
    const first = await until(() => both.find((i) => leads(i.hub) > 0), 10_000);
    if (!first) throw new Error("neither instance leads the jobs");
    rec.details.firstLeader = first.label;
    // Freshly started hubs are slower (JIT, pools, partitions): one round first that is not counted,
    // as the single hub of the ingest scenario is warm by its 100-device runs.
    const warmUp = devices.slice(DEVICES * reps, DEVICES * (reps + 1));
    await totalIngest(ctx, rec, false, [a.hub, b.hub], warmUp, { warmupMs, measureMs }, counter);
    for (let rep = 0; rep < reps; rep++) {
      const repDevices = devices.slice(rep * DEVICES, (rep + 1) * DEVICES);
      await totalIngest(ctx, rec, true, [a.hub, b.hub], repDevices, { warmupMs, measureMs }, counter);
    }
    for (let rep = 0; rep < reps; rep++) {
      const device = devices[DEVICES * (reps + 1) + rep] as Device;
      await killLeader(ctx, rec, both, device, start);
      await freezeLeader(ctx, rec, both);
    }
  } finally {
    await counter.close();
    for (const i of both) await i.hub.stop();
  }
  return rec.finish();
}

/** QoS 1, windowed, half the devices on each instance at once; the rates add up (recorded when `counted`). */
async function totalIngest(
  ctx: RunContext,
  recorder: ScenarioRecorder,
  counted: boolean,
  hubs: readonly [HubTarget, HubTarget],
  devices: readonly Device[],
  o: { warmupMs: number; measureMs: number },
  counter: { count(): Promise<number> },
): Promise<void> {
  // The warm-up round's errors count, its figures do not.
  const rec = {
    error: (message: string) => recorder.error(message),
    add: counted ? recorder.add.bind(recorder) : () => {},
    detail: counted ? recorder.detail.bind(recorder) : () => {},
  };
  const half = Math.ceil(devices.length / 2);
  const pools = await Promise.all([
    connectPool(hubs[0], devices.slice(0, half)),
    connectPool(hubs[1], devices.slice(half)),
  ]);
  for (const pool of pools)
    if (pool.failures > 0) rec.error(`${pool.failures} devices failed to connect: ${pool.errors[0]}`);
  const before = await counter.count();
  const waits = hubs[0].databaseUrl === undefined ? undefined : await sampleWaits(hubs[0].databaseUrl);
  const runs: WindowedResult[] = await Promise.all(
    pools.map((pool, i) =>
      runWindowed(pool.publishers, (hubs[i] as HubTarget).pid, {
        window: windowFor(devices.length),
        ...o,
        // Read once: both windows see the same database server.
        ...(i === 0 && { otherCpuSeconds: postgresCpuSeconds }),
      }),
    ),
  );
  const waited = await waits?.stop();
  for (const pool of pools) await pool.close();
  const stored = (await counter.count()) - before;
  const acked = runs.reduce((sum, r) => sum + r.acked, 0);
  const rate = runs.reduce((sum, r) => sum + r.rate, 0);
  if (stored < acked) rec.error(`two instances: ${acked} acked but only ${stored} stored`);
  for (const r of runs) {
    if (r.unacked > 0) rec.error(`two instances: ${r.unacked} messages never acked`);
    if (r.connectionsLost > 0) rec.error(`two instances: ${r.connectionsLost} connections lost`);
  }
  rec.add("total.rate", `two instances, ${devices.length} devices: acked in total`, "msg/s", rate);
  for (const [i, r] of runs.entries())
    rec.add(`instance${i}.rate`, `  of which instance ${i === 0 ? "A" : "B"}`, "msg/s", r.rate);
  rec.add(
    "total.ackP99",
    `two instances, ${devices.length} devices: PUBACK p99 (the slower instance)`,
    "ms",
    Math.max(...runs.map((r) => r.ackLatency.p99)),
  );
  rec.add(
    "total.serverCores",
    "two instances: hub CPU (both processes)",
    "cores",
    runs.reduce((sum, r) => sum + r.serverCores, 0),
  );
  rec.add("total.postgresCores", "two instances: PostgreSQL server CPU", "cores", runs[0]?.otherCores ?? NaN);
  rec.add(
    "total.generatorCores",
    "two instances: load generator CPU",
    "cores",
    runs[0]?.generatorCores ?? NaN,
  );
  // The same 100 devices against one instance, measured by the ingest scenario of this run.
  const single = ctx.results.get("ingest")?.metrics["hub-pg.100.rate"]?.median;
  if (single !== undefined)
    rec.add(
      "ratio.oneInstance",
      "two instances ÷ one instance on PostgreSQL (ingest scenario)",
      "×",
      rate / single,
    );
  rec.detail("runs", { acked, stored, rate, perInstance: runs.map((r) => r.rate), postgresWaits: waited });
  ctx.log(
    `  instances${counted ? "" : " (warm-up, not counted)"}: ${Math.round(rate)} msg/s in total (${runs.map((r) => Math.round(r.rate)).join(" + ")}), stored ${stored}/${acked} acked; active sessions seen waiting on ${JSON.stringify(waited)}`,
  );
}

/**
 * kill -9 of the leader while a device publishes to it: time until the other instance logs that it
 * leads, and until the device's first PUBACK from the other instance; then every message the device
 * had acknowledged must be stored, and the killed instance starts again (as the standby).
 */
async function killLeader(
  ctx: RunContext,
  rec: ScenarioRecorder,
  both: Instance[],
  device: Device,
  start: (label: string) => Promise<HubTarget>,
): Promise<void> {
  const leader = await until(() => both.find((i) => leads(i.hub) > stops(i.hub)), 20_000);
  if (!leader) throw new Error("no instance leads the jobs");
  const other = both.find((i) => i !== leader) as Instance;
  const leadsBefore = leads(other.hub);
  let killed = false;
  const failover = new FailoverDevice(device, () => (killed ? other.hub : leader.hub));
  await failover.start();
  await until(() => (failover.acks.length >= 20 ? true : undefined), 10_000);
  const killedAtWall = Date.now();
  const killedAt = performance.now();
  killed = true;
  process.kill(leader.hub.pid, "SIGKILL");
  const takeover = await until(() => leaderLogTime(other.hub, leadsBefore), TAKEOVER_TIMEOUT_MS);
  const reconnected = await until(() => failover.firstAckAfter(killedAt), TAKEOVER_TIMEOUT_MS);
  // Some messages on the new connection, so the check below covers more than the first.
  await until(() => (failover.acks.filter((a) => a.at > killedAt).length >= 20 ? true : undefined), 10_000);
  failover.stop();
  if (takeover === undefined)
    rec.error(`kill -9: ${other.label} did not lead within ${TAKEOVER_TIMEOUT_MS / 1000} s`);
  else
    rec.add(
      "kill.takeover.ms",
      "kill -9 of the leader → the other leads the jobs",
      "ms",
      takeover - killedAtWall,
    );
  if (reconnected === undefined) rec.error("kill -9: the device got no PUBACK from the other instance");
  else
    rec.add(
      "kill.deviceAck.ms",
      "kill -9 → the device's first PUBACK from the other instance",
      "ms",
      reconnected.at - killedAt,
    );
  const missing = await notStored(
    other.hub,
    device,
    failover.acks.map((a) => a.iso),
  );
  if (missing > 0)
    rec.error(`kill -9: ${missing} of ${failover.acks.length} acknowledged messages are not stored`);
  rec.detail("kills", {
    killed: leader.label,
    takeoverMs: takeover === undefined ? null : takeover - killedAtWall,
    deviceAckMs: reconnected === undefined ? null : reconnected.at - killedAt,
    acked: failover.acks.length,
    missing,
    connections: failover.connections,
    failedAttempts: failover.failedAttempts,
  });
  ctx.log(
    `  kill -9 ${leader.label}: ${other.label} leads after ${takeover === undefined ? "–" : takeover - killedAtWall} ms; ` +
      `device acked again after ${reconnected === undefined ? "–" : (reconnected.at - killedAt).toFixed(0)} ms; ${missing} acked messages missing`,
  );
  leader.hub = await start(leader.label);
}

/**
 * SIGSTOP of the leader: time until the other instance logs that it leads; after SIGCONT the frozen one
 * must log that it stopped leading.
 */
async function freezeLeader(ctx: RunContext, rec: ScenarioRecorder, both: Instance[]): Promise<void> {
  const leader = await until(() => both.find((i) => leads(i.hub) > stops(i.hub)), 20_000);
  if (!leader) throw new Error("no instance leads the jobs");
  const other = both.find((i) => i !== leader) as Instance;
  const leadsBefore = leads(other.hub);
  const stopsBefore = stops(leader.hub);
  const frozenAtWall = Date.now();
  process.kill(leader.hub.pid, "SIGSTOP");
  let takeover: number | undefined;
  try {
    takeover = await until(() => leaderLogTime(other.hub, leadsBefore), TAKEOVER_TIMEOUT_MS);
  } finally {
    process.kill(leader.hub.pid, "SIGCONT");
  }
  if (takeover === undefined)
    rec.error(`SIGSTOP: ${other.label} did not lead within ${TAKEOVER_TIMEOUT_MS / 1000} s`);
  else
    rec.add(
      "stop.takeover.ms",
      "SIGSTOP of the leader → the other leads the jobs",
      "ms",
      takeover - frozenAtWall,
    );
  const woke = await until(() => (stops(leader.hub) > stopsBefore ? true : undefined), 30_000);
  if (!woke) rec.error(`SIGCONT: ${leader.label} did not log that it stopped leading`);
  ctx.log(
    `  SIGSTOP ${leader.label}: ${other.label} leads after ${takeover === undefined ? "–" : takeover - frozenAtWall} ms; woken leader stepped down: ${woke === true}`,
  );
}

/** How often the hub logged that it leads the jobs. */
function leads(hub: HubTarget): number {
  return hub.output().split(LEADS).length - 1;
}

function stops(hub: HubTarget): number {
  return hub.output().split(STOPPED_LEADING).length - 1;
}

/** The log time (epoch ms) of the hub's lead line after the first `seen` ones, or undefined. */
function leaderLogTime(hub: HubTarget, seen: number): number | undefined {
  const lines = hub
    .output()
    .split("\n")
    .filter((l) => l.includes(LEADS));
  const line = lines[seen];
  if (line === undefined || !line.endsWith("}")) return undefined;
  const time = (JSON.parse(line) as { time?: string | number }).time;
  return typeof time === "number" ? time : Date.parse(time ?? "");
}

/** Acknowledged timestamps of the device that are not in the database. */
async function notStored(hub: HubTarget, device: Device, isos: readonly string[]): Promise<number> {
  if (hub.databaseUrl === undefined) return 0;
  const pool = await benchPool(hub.databaseUrl);
  try {
    const result = await pool.query<{ n: number }>(
      `SELECT count(*) AS n FROM aiida_record r JOIN data_source d ON d.key = r.data_source_key
        WHERE d.id = $1 AND r.ts = ANY($2::timestamptz[])`,
      [device.id, [...new Set(isos)]],
    );
    return new Set(isos).size - (result.rows[0]?.n ?? 0);
  } finally {
    await pool.end();
  }
}

/** Polls `probe` every 5 ms until it returns a value; undefined after `timeoutMs`. */
async function until<T>(probe: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) return undefined;
    await sleep(5);
  }
}
