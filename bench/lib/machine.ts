import { execFileSync } from "node:child_process";
import { closeSync, fdatasyncSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { percentile } from "./stats.ts";

/** Facts about the machine and the software under test, written into every result file. */
export interface MachineFacts {
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemoryGiB: number;
  readonly nodeVersion: string;
  readonly platform: string;
  readonly kernel: string;
  readonly aedesVersion: string;
  readonly mqttVersion: string;
  readonly betterSqlite3Version: string;
  readonly sqliteVersion: string;
  readonly mosquittoVersion: string;
  /** fdatasync() of a 4 KiB append in the scratch directory's file system, 200 times: what a durable commit waits for. */
  readonly fdatasyncMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

function fdatasyncLatency(dir: string): MachineFacts["fdatasyncMs"] {
  const file = join(dir, "fsync-probe");
  const fd = openSync(file, "w");
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      writeSync(fd, block);
      const t0 = performance.now();
      fdatasyncSync(fd);
      times.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: times.at(-1) ?? Number.NaN };
}

function packageVersion(name: string): string {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function mosquittoVersion(): string {
  try {
    const out = execFileSync("/usr/sbin/mosquitto", ["-h"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return /mosquitto version (\S+)/.exec(out)?.[1] ?? "unknown";
  } catch (err) {
    // `mosquitto -h` exits 3 after printing its help.
    const out = String((err as { stdout?: string }).stdout ?? "");
    return /mosquitto version (\S+)/.exec(out)?.[1] ?? "unknown";
  }
}

export function machineFacts(scratchDir: string): MachineFacts {
  const cpus = os.cpus();
  const db = new Database(":memory:");
  const sqliteVersion = (db.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
  db.close();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    nodeVersion: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    aedesVersion: packageVersion("aedes"),
    mqttVersion: packageVersion("mqtt"),
    betterSqlite3Version: packageVersion("better-sqlite3"),
    sqliteVersion,
    mosquittoVersion: mosquittoVersion(),
    fdatasyncMs: fdatasyncLatency(scratchDir),
  };
}
