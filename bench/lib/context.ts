import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Summary } from "./stats.ts";

/** Options of one bench run, from the command line. */
export interface BenchOptions {
  /** Scenario names to run; empty means all. */
  readonly only: readonly string[];
  /** Short smoke run: small counts, one repetition. */
  readonly quick: boolean;
  readonly reps: number;
  /** Pass --cpu-prof to every hub child; profiles land in `profileDir`. */
  readonly cpuProf: boolean;
  /** Fraction of the year of 3-second data to load for the query scenarios (1 = the full year). */
  readonly yearScale: number;
  /** Where every hub child keeps its data: its data directory's SQLite file, or a fresh PostgreSQL database. */
  readonly database: "sqlite" | "postgres";
}

/** One measured figure with its repetitions. */
export interface Metric extends Summary {
  readonly label: string;
  readonly unit: string;
}

/** What a scenario hands back for the table and the JSON file. */
export interface ScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly settings: Record<string, unknown>;
  /** Keyed by a stable id such as `hub.100.msgPerSec`; the table shows them in insertion order. */
  readonly metrics: Record<string, Metric>;
  /** Anything else worth keeping: per-repetition details, verification counts. */
  readonly details: Record<string, unknown>;
  readonly notes: string[];
  /** Errors seen (failed publishes, HTTP errors, missing rows); empty when clean. */
  readonly errors: string[];
  readonly seconds: number;
}

/** State shared by the scenarios of one run. */
export interface RunContext {
  readonly options: BenchOptions;
  /** Scratch directory of this run, removed at the end. */
  readonly tmpRoot: string;
  /** Where CPU profiles go when --cpu-prof is given. */
  readonly profileDir: string;
  readonly results: Map<string, ScenarioResult>;
  /** Caches shared between scenarios (the year of data is loaded once). */
  readonly shared: Map<string, unknown>;
  /** A fresh directory under tmpRoot. */
  temp(label: string): string;
  log(message: string): void;
}

export function createContext(options: BenchOptions, profileDir: string): RunContext {
  const tmpRoot = mkdtempSync(join(tmpdir(), "aiida-bench-"));
  const started = Date.now();
  return {
    options,
    tmpRoot,
    profileDir,
    results: new Map(),
    shared: new Map(),
    temp(label) {
      const dir = mkdtempSync(join(tmpRoot, `${label}-`));
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    log(message) {
      const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
      process.stderr.write(`[${t}s] ${message}\n`);
    },
  };
}

/** Helper to build a metric from repetition values. */
export function metric(label: string, unit: string, summary: Summary): Metric {
  return { label, unit, ...summary };
}
