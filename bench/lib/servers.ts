import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "../../test/device/helpers/free-port.ts";
import { type Child, startChild } from "./child.ts";
import type { RunContext } from "./context.ts";
import { hubRoot, REPO_ROOT } from "./hub-modules.ts";
import { postgresFor } from "./postgres.ts";
import { type Device, databaseFile } from "./provision.ts";

const AEDES_SERVER = join(REPO_ROOT, "bench/lib/aedes-server.ts");
const GC_PRELOAD = new URL("./gc-preload.mjs", import.meta.url).href;

export const ADMIN_PASSWORD = "bench-admin-password";

/** The subscriber the raw pub→sub comparisons use (known to raw Aedes's password check). */
export const SUBSCRIBER = { username: "bench-subscriber", password: "bench-subscriber-password" };

/** "aedes-fsync": raw Aedes that commits each message to SQLite with fsync before acknowledging it. */
export type TargetKind = "hub" | "aedes" | "aedes-fsync" | "mosquitto";

/** An MQTT server under test, running as its own process. */
export interface Target {
  readonly kind: TargetKind;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** Set when devices connect over TLS (to `port`): the CA certificate (PEM) they trust. */
  readonly tlsCa?: string | undefined;
  /** The username/password a device presents (Mosquitto runs anonymous: none). */
  credentials(device: Device): { username?: string; password?: string };
  /** SIGTERM, SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/** The hub as a child process, with its REST API. */
export interface HubTarget extends Target {
  readonly kind: "hub";
  readonly httpUrl: string;
  readonly dataDir: string;
  readonly dbFile: string;
  /** Set when the hub keeps its data in PostgreSQL (--database-url) instead of `dbFile`. */
  readonly databaseUrl?: string | undefined;
  /** What the hub wrote to its log so far in this run. */
  output(): string;
  /** A bearer token (logs in once). */
  token(): Promise<string>;
  /** GET with the admin token; resolves with status, body text and wall time in ms; rejects after `timeoutMs`. */
  get(path: string, timeoutMs?: number): Promise<{ status: number; text: string; ms: number }>;
}

export interface HubStartOptions {
  readonly dataDir: string;
  /** Names the log file and CPU profile. */
  readonly label: string;
  /** --rate-limit; the hub's default (100 msg/s per device) when undefined. */
  readonly rateLimit?: number;
  /** Start with --expose-gc and the SIGUSR2 → gc() preload (memory scenario). */
  readonly gcHook?: boolean;
  /**
   * Live streams the one bench session may open (the total and per-session limits); the hub's defaults
   * when undefined. Set through the environment, which versions without these limits (--hub-ref) ignore.
   */
  readonly liveStreams?: number;
  /**
   * Start with --tls (the hub's generated private CA in the data dir) on a free MQTTS port; the target's
   * `port` is then the MQTTS port and `tlsCa` the CA certificate from `<data dir>/tls/`.
   */
  readonly tls?: boolean;
  /**
   * Overrides --database for this hub: "sqlite" keeps it on the data directory's file, "postgres" gives it
   * the data directory's PostgreSQL database (postgresFor: created and filled from the file on first use).
   */
  readonly database?: "sqlite" | "postgres";
}

/** Where the hub keeps the CA certificate of its private CA (src/tls/private-ca-credentials.ts). */
export const HUB_CA_CERTIFICATE = "tls/ca-certificate.pem";

let profileCounter = 0;

/** `aiida-hub start` as a user runs it (bin/aiida-hub.js, which runs dist/), on free loopback ports. */
export async function startHub(ctx: RunContext, o: HubStartOptions): Promise<HubTarget> {
  const nodeFlags: string[] = [];
  if (o.gcHook) nodeFlags.push("--expose-gc", "--import", GC_PRELOAD);
  if (ctx.options.cpuProf) {
    // One folder per hub start: the main thread and the module loader's thread each write a profile.
    profileCounter++;
    const dir = join(ctx.profileDir, `${o.label}-${profileCounter}`);
    mkdirSync(dir, { recursive: true });
    nodeFlags.push("--cpu-prof", "--cpu-prof-dir", dir);
  }
  const args = [
    ...nodeFlags,
    join(hubRoot(), "bin/aiida-hub.js"),
    "start",
    "--host",
    "127.0.0.1",
    "--http-port",
    "0",
    "--mqtt-port",
    "0",
    "--data-dir",
    o.dataDir,
    // The year of query data must not be purged by the retention job.
    "--retention-days",
    "36500",
    ...(o.rateLimit === undefined ? [] : ["--rate-limit", String(o.rateLimit)]),
  ];
  const databaseUrl =
    (o.database ?? ctx.options.database) === "postgres" ? await postgresFor(ctx, o.dataDir) : undefined;
  if (databaseUrl !== undefined) args.push("--database-url", databaseUrl);
  // The hub logs only its plain MQTT URL when running, so the MQTTS port is chosen here.
  const mqttsPort = o.tls ? await freePort() : undefined;
  if (mqttsPort !== undefined) args.push("--tls", "--mqtts-port", String(mqttsPort), "--https-port", "0");
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AIIDA_HUB_")) env[k] = v;
  env.AIIDA_HUB_ADMIN_PASSWORD = ADMIN_PASSWORD;
  if (o.liveStreams !== undefined) {
    env.AIIDA_HUB_MAX_LIVE_STREAMS = String(o.liveStreams);
    env.AIIDA_HUB_MAX_LIVE_STREAMS_PER_SESSION = String(o.liveStreams);
  }
  const { child, match } = await startChild(process.execPath, args, {
    env,
    logFile: join(o.dataDir, `${o.label}.log`),
    // The log line that says the hub is running: JSON ({…"http":"…","mqtt":"mqtt://host:port"…}), or the
    // plain `http=… mqtt=…` of versions before the JSON log, so --hub-ref can still measure those.
    ready: /"?http"?[=:]"?(http:\/\/[^"\s]+)"?,?\s?"?mqtt"?[=:]"?mqtt:\/\/([^:"\s]+):(\d+)/,
    timeoutMs: 120_000,
  });
  const httpUrl = match?.[1] ?? "";
  let token: string | undefined;
  const getToken = async () => {
    if (token) return token;
    const res = await fetch(`${httpUrl}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
    });
    if (res.status !== 200) throw new Error(`hub login failed: ${res.status} ${await res.text()}`);
    token = ((await res.json()) as { token: string }).token;
    return token;
  };
  return {
    kind: "hub",
    host: match?.[2] ?? "127.0.0.1",
    port: mqttsPort ?? Number(match?.[3]),
    ...(mqttsPort !== undefined && { tlsCa: readFileSync(join(o.dataDir, HUB_CA_CERTIFICATE), "utf8") }),
    pid: child.pid,
    httpUrl,
    dataDir: o.dataDir,
    dbFile: databaseFile(o.dataDir),
    databaseUrl,
    output: () => child.output(),
    credentials: (d) => ({ username: d.id, password: d.password }),
    token: getToken,
    async get(path, timeoutMs) {
      const auth = await getToken();
      const t0 = performance.now();
      const res = await fetch(`${httpUrl}${path}`, {
        headers: { authorization: `Bearer ${auth}` },
        ...(timeoutMs !== undefined && { signal: AbortSignal.timeout(timeoutMs) }),
      });
      const text = await res.text();
      return { status: res.status, text, ms: performance.now() - t0 };
    },
    stop: (timeoutMs) => child.stop(timeoutMs),
  };
}

/** Raw Aedes (same version as the hub) with TCP_NODELAY and an in-memory password check. */
export async function startAedes(
  ctx: RunContext,
  devices: readonly Device[],
  o: { label: string; gcHook?: boolean; durable?: boolean },
): Promise<Target> {
  const dir = ctx.temp(o.label);
  const durable = o.durable ? ["--durable", join(dir, "durable.db")] : [];
  const usersFile = join(dir, "users.json");
  const users: [string, string][] = devices.map((d) => [d.id, d.password]);
  users.push([SUBSCRIBER.username, SUBSCRIBER.password]);
  writeFileSync(usersFile, JSON.stringify(users));
  const nodeFlags = o.gcHook ? ["--expose-gc", "--import", GC_PRELOAD] : [];
  const { child, match } = await startChild(
    process.execPath,
    [...nodeFlags, "--import", "tsx", AEDES_SERVER, usersFile, ...durable],
    { logFile: join(dir, "aedes.log"), ready: /\{"port":(\d+)\}/ },
  );
  return target(o.durable ? "aedes-fsync" : "aedes", Number(match?.[1]), child, (d) => ({
    username: d.id,
    password: d.password,
  }));
}

/**
 * A private Mosquitto on a free loopback port: anonymous, no persistence, TCP_NODELAY, no queue caps.
 * With `tls`, the listener speaks only TLS, with a CA and server certificate made for this run.
 */
export async function startMosquitto(ctx: RunContext, o: { label: string; tls?: boolean }): Promise<Target> {
  const dir = ctx.temp(o.label);
  const port = await freePort();
  const config = join(dir, "mosquitto.conf");
  const pki = o.tls ? makeTestPki(dir) : undefined;
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      ...(pki ? [`cafile ${pki.caFile}`, `certfile ${pki.certFile}`, `keyfile ${pki.keyFile}`] : []),
      // Started as root it would switch to user "mosquitto", who cannot read the private scratch dir.
      `user ${userInfo().username}`,
      "allow_anonymous true",
      "persistence false",
      "set_tcp_nodelay true",
      // The defaults (20 in flight, 1000 queued) drop QoS 1 messages to a subscriber that lags;
      // lifted so the pub→sub comparison delivers everything, like Aedes.
      "max_inflight_messages 1000",
      "max_queued_messages 1000000",
      "connection_messages false",
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      "",
    ].join("\n"),
  );
  const { child } = await startChild("/usr/sbin/mosquitto", ["-c", config], {
    logFile: join(dir, "mosquitto.log"),
    ready: () => canConnect(port),
  });
  return target("mosquitto", port, child, () => ({}), pki && readFileSync(pki.caFile, "utf8"));
}

/**
 * A CA and a server certificate for 127.0.0.1 it signed, made with the openssl CLI in `dir`: ECDSA
 * P-256 like the hub's private CA, so both TLS rows do the same handshake work.
 */
function makeTestPki(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    f("ca-key.pem"),
    "-out",
    f("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=bench CA",
  );
  openssl("req", ...ec, "-keyout", f("server-key.pem"), "-out", f("server.csr"), "-subj", "/CN=127.0.0.1");
  writeFileSync(f("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl(
    "x509",
    "-req",
    "-in",
    f("server.csr"),
    "-CA",
    f("ca.pem"),
    "-CAkey",
    f("ca-key.pem"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    f("server.ext"),
    "-out",
    f("server.pem"),
  );
  return { caFile: f("ca.pem"), certFile: f("server.pem"), keyFile: f("server-key.pem") };
}

function target(
  kind: TargetKind,
  port: number,
  child: Child,
  credentials: Target["credentials"],
  tlsCa?: string,
): Target {
  return {
    kind,
    host: "127.0.0.1",
    port,
    ...(tlsCa !== undefined && { tlsCa }),
    pid: child.pid,
    credentials,
    stop: (timeoutMs) => child.stop(timeoutMs),
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Starts a target of the given kind over the given devices (the hub's data dir must hold them). */
export function startTarget(
  ctx: RunContext,
  kind: TargetKind,
  devices: readonly Device[],
  o: { label: string; hubDataDir?: string; rateLimit?: number; gcHook?: boolean },
): Promise<Target> {
  if (kind === "hub") {
    if (!o.hubDataDir) throw new Error("the hub needs a data dir");
    return startHub(ctx, {
      dataDir: o.hubDataDir,
      label: o.label,
      ...(o.rateLimit !== undefined && { rateLimit: o.rateLimit }),
      ...(o.gcHook !== undefined && { gcHook: o.gcHook }),
    });
  }
  if (kind === "aedes" || kind === "aedes-fsync")
    return startAedes(ctx, devices, {
      label: o.label,
      durable: kind === "aedes-fsync",
      ...(o.gcHook !== undefined && { gcHook: o.gcHook }),
    });
  return startMosquitto(ctx, { label: o.label });
}
