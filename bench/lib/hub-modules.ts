import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as DataSourceModule from "../../src/domain/data-source.ts";
import type * as ObisModule from "../../src/domain/obis-code.ts";
import type * as QuantityModule from "../../src/domain/quantity-type.ts";
import type * as HubModule from "../../src/hub.ts";
import type * as SecretsModule from "../../src/platform/secrets.ts";
import type * as PgPoolModule from "../../src/storage/postgres/pg-pool.ts";
import type * as PartitionsModule from "../../src/storage/postgres/record-partitions.ts";
import type * as ImportSqliteModule from "../../src/storage/postgres/sqlite-import/import-sqlite.ts";
import type * as OpenDatabaseModule from "../../src/storage/sqlite/open-database.ts";

/** This repository's root (the working tree the bench lives in). */
export const REPO_ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

let root = REPO_ROOT;

/** The checkout whose hub is benchmarked: its bin/ is started and its src/ migrates and provisions. */
export function hubRoot(): string {
  return root;
}

/**
 * Benchmarks a committed version instead of the working tree (which others may be editing):
 * extracts `ref` with `git archive` into `dir` and links this checkout's node_modules into it.
 */
export function useHubRef(ref: string, dir: string): { root: string; commit: string } {
  const commit = execFileSync("git", ["rev-parse", "--verify", `${ref}^{commit}`], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  }).trim();
  mkdirSync(dir, { recursive: true });
  execFileSync("sh", ["-c", `git archive --format=tar ${commit} | tar -x -C "${dir}"`], { cwd: REPO_ROOT });
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  root = dir;
  return { root: dir, commit };
}

/** Benchmarks another checkout (it needs node_modules, or this one's is linked in). */
export function useHubRoot(dir: string): void {
  if (!existsSync(join(dir, "bin/aiida-hub.js"))) throw new Error(`${dir} has no bin/aiida-hub.js`);
  if (!existsSync(join(dir, "node_modules")))
    symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  root = dir;
}

/** Where the benchmarked hub's code comes from, for the results file. */
export function hubProvenance(): { root: string; commit: string; uncommittedSrcFiles: number | undefined } {
  const git = (args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
  if (root !== REPO_ROOT) return { root, commit: "see hubRef", uncommittedSrcFiles: 0 };
  let uncommitted: number | undefined;
  try {
    uncommitted = git(["status", "--porcelain", "--", "src", "bin"])
      .split("\n")
      .filter((l) => l !== "").length;
  } catch {
    uncommitted = undefined;
  }
  return { root, commit: git(["rev-parse", "HEAD"]), uncommittedSrcFiles: uncommitted };
}

/** The pieces of the benchmarked hub's own code the bulk paths use, so rows match its schema. */
export interface HubModules {
  readonly databaseFile: string;
  readonly openDatabase: typeof OpenDatabaseModule.openDatabase;
  readonly hashDevicePassword: typeof SecretsModule.hashDevicePassword;
  readonly randomBase62: typeof SecretsModule.randomBase62;
  readonly dataTopic: typeof DataSourceModule.dataTopic;
  readonly feedbackTopic: typeof DataSourceModule.feedbackTopic;
  readonly obisByCode: typeof ObisModule.obisByCode;
  /** The number this version stores for the AS_PROVIDED quality. */
  readonly asProvidedQuality: number;
}

let cached: { root: string; modules: HubModules } | undefined;

function load<T>(path: string): Promise<T> {
  return import(pathToFileURL(join(root, path)).href) as Promise<T>;
}

export async function hubModules(): Promise<HubModules> {
  if (cached?.root === root) return cached.modules;
  const [hub, openDb, secrets, dataSource, obis, quantity] = await Promise.all([
    load<typeof HubModule>("src/hub.ts"),
    load<typeof OpenDatabaseModule>("src/storage/sqlite/open-database.ts"),
    load<typeof SecretsModule>("src/platform/secrets.ts"),
    load<typeof DataSourceModule>("src/domain/data-source.ts"),
    load<typeof ObisModule>("src/domain/obis-code.ts"),
    load<typeof QuantityModule>("src/domain/quantity-type.ts"),
  ]);
  // Newer schemas store qualities through stored-quality.ts (AS_PROVIDED = 0); the first one stored
  // the index into QUALITIES.
  let asProvidedQuality = quantity.QUALITIES.findIndex((q) => q.name === "AS_PROVIDED");
  const storedQualityFile = "src/storage/sqlite/stored-quality.ts";
  if (existsSync(join(root, storedQualityFile))) {
    const stored = await load<{ storedQuality?: (name: string) => number }>(storedQualityFile);
    if (typeof stored.storedQuality === "function") asProvidedQuality = stored.storedQuality("AS_PROVIDED");
  }
  const modules: HubModules = {
    databaseFile: hub.DATABASE_FILE,
    openDatabase: openDb.openDatabase,
    hashDevicePassword: secrets.hashDevicePassword,
    randomBase62: secrets.randomBase62,
    dataTopic: dataSource.dataTopic,
    feedbackTopic: dataSource.feedbackTopic,
    obisByCode: obis.obisByCode,
    asProvidedQuality,
  };
  cached = { root, modules };
  return modules;
}

/** The benchmarked hub's PostgreSQL pieces the bench uses (only loaded with --database postgres). */
export interface PostgresModules {
  readonly openPgPool: typeof PgPoolModule.openPgPool;
  readonly importSqlite: typeof ImportSqliteModule.importSqlite;
  readonly ensureMonths: typeof PartitionsModule.ensureMonths;
}

/** Loads the PostgreSQL modules of the benchmarked hub (a version before PostgreSQL has none). */
export async function postgresModules(): Promise<PostgresModules> {
  const [pool, importer, partitions] = await Promise.all([
    load<typeof PgPoolModule>("src/storage/postgres/pg-pool.ts"),
    load<typeof ImportSqliteModule>("src/storage/postgres/sqlite-import/import-sqlite.ts"),
    load<typeof PartitionsModule>("src/storage/postgres/record-partitions.ts"),
  ]);
  return {
    openPgPool: pool.openPgPool,
    importSqlite: importer.importSqlite,
    ensureMonths: partitions.ensureMonths,
  };
}
