import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import type { TestContext } from "node:test";
import { TEST_ADMIN_PASSWORD } from "./hub-harness.ts";

const BIN = new URL("../../bin/aiida-hub.js", import.meta.url).pathname;

/** A hub running as a child process, as a user starts it. */
export interface HubProcess {
  readonly child: ChildProcess;
  readonly httpUrl: string;
  readonly mqttUrl: string;
  /** Everything the process wrote so far. */
  output(): string;
}

/**
 * Runs `aiida-hub start` with the given flags; resolves once it logs that it is running. It runs the
 * ahead-of-time build in dist/, as users do (the bin rebuilds it first when the sources are newer).
 */
export function spawnHub(
  t: TestContext,
  args: string[],
  env: Record<string, string> = {},
): Promise<HubProcess> {
  return spawnHubFrom(t, BIN, args, env);
}

/** As spawnHub, with another copy of bin/aiida-hub.js (an unpacked package). */
export async function spawnHubFrom(
  t: TestContext,
  bin: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<HubProcess> {
  const child = spawn(process.execPath, [bin, "start", "--host", "127.0.0.1", ...args], {
    env: { ...process.env, AIIDA_HUB_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let output = "";
  const running = new Promise<{ http: string; mqtt: string }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const running = runningLine(output);
      if (running) resolve(running);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code, signal) =>
      reject(new Error(`hub exited (${code ?? signal}) before running:\n${output}`)),
    );
  });
  const urls = await running;
  return { child, httpUrl: urls.http, mqttUrl: urls.mqtt, output: () => output };
}

/** The addresses from the log line (one JSON object) that says the hub is running, once it is complete. */
function runningLine(output: string): { http: string; mqtt: string } | undefined {
  // stdout (the admin password notice) and stderr (the log) are read into one string.
  const completeLines = output.split("\n").slice(0, -1);
  const line = completeLines.find((l) => l.startsWith("{") && l.includes('"msg":"aiida-hub is running"'));
  if (!line) return undefined;
  const entry = JSON.parse(line) as { http: string; mqtt: string };
  return { http: entry.http, mqtt: entry.mqtt };
}

/** Runs `aiida-hub start` expecting it to fail; resolves with its exit code and output. */
export async function spawnHubExpectingFailure(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, "start", "--host", "127.0.0.1", ...args], {
    env: { ...process.env, AIIDA_HUB_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, output };
}

/** Logs in to a hub over HTTP and creates a CIM data source; returns the device credentials. */
export async function createSourceOver(
  httpUrl: string,
): Promise<{ id: string; password: string; topic: string }> {
  const login = (await fetch(`${httpUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: TEST_ADMIN_PASSWORD }),
  }).then((r) => r.json())) as { token: string };
  const created = (await fetch(`${httpUrl}/api/datasources`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${login.token}` },
    body: JSON.stringify({ name: "device", type: "CIM", asset: "SUBMETER", countryCode: "AT" }),
  }).then((r) => r.json())) as { credentials: { dataSourceId: string; password: string; topic: string } };
  const c = created.credentials;
  return { id: c.dataSourceId, password: c.password, topic: c.topic };
}

/** What a finished `aiida-hub` command wrote and how it exited. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `aiida-hub <args>` (the built bin, as a user runs it) to its end. `env` replaces the
 * AIIDA_HUB_* variables of this process instead of adding to them, so none leaks in unseen.
 */
export async function runHubCommand(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<CommandResult> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("AIIDA_HUB_")),
  );
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...inherited, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(cwd !== undefined && { cwd }),
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stdout, stderr };
}
