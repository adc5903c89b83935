import { type ChildProcess, spawn } from "node:child_process";
import type { TestContext } from "node:test";

const CHILD = new URL("./cluster-child.ts", import.meta.url).pathname;

/** A cluster-child.ts process and every line it has written so far. */
export interface ClusterChild {
  readonly process: ChildProcess;
  readonly lines: string[];
}

/** Starts cluster-child.ts in `role`; killed when the test ends. */
export function spawnClusterChild(
  t: TestContext,
  role: string,
  url: string,
  instanceId: string,
): ClusterChild {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, role, url, instanceId], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  let partial = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString("utf8")).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
  });
  t.after(() => {
    // SIGCONT first: a stopped process would not act on SIGKILL's exit until continued on some systems.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
  });
  return { process: child, lines };
}
