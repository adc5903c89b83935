/**
 * `npm run build` (also npm's `prepare`, so `npm ci` runs it): compiles the hub ahead of time into
 * dist/, so that a start loads plain JavaScript instead of transpiling TypeScript through tsx:
 * - main.mjs: src/main.ts bundled (the hub and the publisher's commands);
 * - record-writer-entry.mjs, record-reader-entry.mjs, batch-writer-entry.mjs: the database threads
 *   (SQLite's writer and reader, PostgreSQL's record batch writer), under the names the main
 *   thread starts them by (`new URL("./…-entry.mjs", import.meta.url)` lands beside main.mjs);
 * - ui/: the web UI's bundle and static files, as the hub would otherwise bundle them at start;
 * - profiles/: the publisher's built-in device profiles (read beside main.mjs);
 * - build-stamp: written last; bin/aiida-hub.js runs dist/ only when it is newer than every source.
 * Each file is written to a temporary name and renamed, so a hub starting meanwhile never reads half a file.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { bundleUi } from "../src/http/ui-bundle.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = join(ROOT, "dist");
/** Written last: its presence and time say that dist/ is complete and how current it is. */
export const BUILD_STAMP = "build-stamp";
/** dist/ folder of the UI, relative to main.mjs (handed to src/http/ui-bundle.ts by `define`). */
const UI_DIR = "ui/";

/** Builds dist/; resolves with the files written (relative to dist/). */
export async function buildDist(): Promise<string[]> {
  const code = await build({
    absWorkingDir: ROOT,
    entryPoints: {
      main: "src/main.ts",
      "record-writer-entry": "src/storage/sqlite/record-writer-worker.ts",
      "record-reader-entry": "src/storage/sqlite/record-reader-worker.ts",
      "batch-writer-entry": "src/storage/postgres/batch-writer-worker.ts",
    },
    outdir: DIST,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    // npm packages stay in node_modules: native ones (better-sqlite3) cannot be bundled, and the rest
    // load as they do from the sources.
    packages: "external",
    sourcemap: "linked",
    define: { AIIDA_HUB_BUILT_UI: JSON.stringify(UI_DIR) },
    logLevel: "silent",
  });
  const files = new Map<string, Uint8Array>();
  for (const file of code.outputFiles) files.set(relative(DIST, file.path), file.contents);
  for (const [name, contents] of await bundleUi()) files.set(`${UI_DIR}${name}`, contents);
  for (const [name, contents] of profiles()) files.set(`profiles/${name}`, contents);

  // Until the new stamp is written, dist/ counts as out of date.
  rmSync(join(DIST, BUILD_STAMP), { force: true });
  for (const [name, contents] of files) writeAtomically(join(DIST, name), contents);
  // Files an earlier build left that this one does not write (a renamed entry) would linger.
  removeLeftovers(DIST, new Set(files.keys()));
  writeAtomically(join(DIST, BUILD_STAMP), new TextEncoder().encode(`${new Date().toISOString()}\n`));
  return [...files.keys(), BUILD_STAMP];
}

function profiles(): Map<string, Uint8Array> {
  const dir = join(ROOT, "src/device/profiles");
  const found = new Map<string, Uint8Array>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".json")))
    found.set(name, readFileSync(join(dir, name)));
  return found;
}

function writeAtomically(path: string, contents: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

function removeLeftovers(dir: string, keep: ReadonlySet<string>): void {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const name = relative(DIST, join(entry.parentPath, entry.name));
    // Another build's temporary files are its own to rename.
    if (!keep.has(name) && !name.endsWith(".tmp")) rmSync(join(dir, name), { force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  try {
    const written = await buildDist();
    process.stdout.write(
      `aiida-hub: built dist/ (${written.length} files) in ${Math.round(performance.now() - started)} ms\n`,
    );
  } catch (err) {
    // esbuild's message names each error's file, line and column; its stack trace would only bury them.
    process.stderr.write(`aiida-hub: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
