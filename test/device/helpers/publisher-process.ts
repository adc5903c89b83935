import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";

const MAIN = new URL("../../../src/device/publish-main.ts", import.meta.url).pathname;
// By its URL: --import resolves a bare name from the working directory, which a test may set elsewhere.
const TSX = import.meta.resolve("tsx");

/** The publisher CLI running as a child process, as a user runs it. */
export interface PublisherProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `node --import tsx src/device/publish-main.ts <args>`; killed with SIGKILL after the test if still
 * running. XDG_STATE_HOME is a temporary folder unless `env` gives one, so that a run without --state-dir
 * never writes into the home directory.
 */
export function spawnPublisher(
  t: TestContext,
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string; cwd?: string } = {},
): PublisherProcess {
  const stateHome = mkdtempSync(join(tmpdir(), "aiida-pub-xdg-"));
  const env: Record<string, string | undefined> = {
    ...process.env,
    XDG_STATE_HOME: stateHome,
    ...options.env,
  };
  // The caller's own AIIDA_* settings must not leak into a test.
  for (const name of ["AIIDA_BROKER", "AIIDA_USERNAME", "AIIDA_PASSWORD"]) {
    if (options.env?.[name] === undefined) delete env[name];
  }
  const child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], {
    env,
    cwd: options.cwd,
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  const exited = once(child, "exit").then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    // Only once the publisher has exited: it may still be writing there.
    rmSync(stateHome, { recursive: true, force: true });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** JSON lines the publisher printed with --verbose (the payloads it queued). */
export function printedPayloads(stdout: string): string[] {
  return stdout.split("\n").filter((line) => line.startsWith("{"));
}
