import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, existsSync, openSync, readFileSync, statSync } from "node:fs";
import { sleep } from "./proc.ts";

/** A server process the bench started (hub, raw Aedes, Mosquitto); its output goes to a log file. */
export interface Child {
  readonly pid: number;
  readonly process: ChildProcess;
  readonly logFile: string;
  output(): string;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once it has exited. */
  stop(timeoutMs?: number): Promise<void>;
  get exited(): boolean;
}

/** Every child still running, so an aborted bench run does not leave servers behind. */
const running = new Set<ChildProcess>();

function killAll(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
process.once("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * Starts a process with stdout and stderr going to `logFile` (a file never blocks the child the way
 * an unread pipe would) and resolves once its output matches `ready`.
 */
export async function startChild(
  command: string,
  args: readonly string[],
  options: {
    env?: NodeJS.ProcessEnv;
    logFile: string;
    ready: RegExp | (() => Promise<boolean>);
    timeoutMs?: number;
  },
): Promise<{ child: Child; match: RegExpExecArray | undefined }> {
  // The log may hold earlier runs' output (a restarted hub): only what this process writes counts.
  const offset = existsSync(options.logFile) ? statSync(options.logFile).size : 0;
  const fd = openSync(options.logFile, "a");
  const proc = spawn(command, args, { env: options.env ?? process.env, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  running.add(proc);
  proc.once("exit", () => running.delete(proc));
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`${command} did not start`);
  const output = () => readFileSync(options.logFile).subarray(offset).toString("utf8");
  const child: Child = {
    pid,
    process: proc,
    logFile: options.logFile,
    output,
    get exited() {
      return proc.exitCode !== null || proc.signalCode !== null;
    },
    async stop(timeoutMs = 30_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, "exit");
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exited) throw new Error(`${command} exited before it was ready:\n${output().slice(-4000)}`);
    if (options.ready instanceof RegExp) {
      const match = options.ready.exec(output());
      if (match) return { child, match };
    } else if (await options.ready()) return { child, match: undefined };
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(
        `${command} was not ready within ${options.timeoutMs ?? 60_000} ms:\n${output().slice(-4000)}`,
      );
    }
    await sleep(25);
  }
}
