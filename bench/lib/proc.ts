import { readdirSync, readFileSync, writeFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const CLK_TCK = 100;

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLK_TCK;
}

/** Memory figures of a process from /proc/<pid>/status, in bytes. */
export interface MemoryFacts {
  readonly rss: number;
  /** Peak RSS since start or the last resetPeakRss(). */
  readonly hwm: number;
}

export function memory(pid: number): MemoryFacts {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rss: kib("VmRSS") * 1024, hwm: kib("VmHWM") * 1024 };
}

/** Resets the peak RSS (VmHWM) of a process we started; false where the kernel does not allow it. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** CPU seconds of this process (the load generator). */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export const MiB = 1024 * 1024;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * CPU seconds used so far by every PostgreSQL server process on this machine (postmaster, backends,
 * WAL writer, checkpointer…). A backend that exits between two readings takes its seconds with it: the
 * hub's pooled connections live as long as the hub.
 */
export function postgresCpuSeconds(): number {
  let sum = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "postgres") continue;
      sum += cpuSeconds(Number(entry));
    } catch {
      // the process ended while being read
    }
  }
  return sum;
}
