import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";

/** One file of the web UI, held in memory. */
export interface UiAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/**
 * Set by the ahead-of-time build (scripts/build.ts, esbuild `define`) to the folder, relative to the
 * built main.mjs, that holds the UI it bundled; undefined when the sources run through tsx.
 */
declare const AIIDA_HUB_BUILT_UI: string | undefined;

/** The web UI's sources, next to src/ in the package. */
const WEB_DIR = fileURLToPath(new URL("../../web/", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** Files copied as they are, beside the bundle. */
const STATIC_FILES = ["index.html", "favicon.svg"];

let cached: Promise<Map<string, UiAsset>> | undefined;

/**
 * The web UI's files by path ("/bundle.js"), once per process: read from the build's output when the
 * hub runs built, else bundled from web/ into memory (every hub in one test process shares it).
 */
export function uiAssets(): Promise<Map<string, UiAsset>> {
  cached ??= (
    typeof AIIDA_HUB_BUILT_UI === "string"
      ? readBuiltUi(fileURLToPath(new URL(AIIDA_HUB_BUILT_UI, import.meta.url)))
      : bundleUi()
  ).then(toAssets);
  return cached;
}

/**
 * Bundles web/src with esbuild, in memory: file name → contents, the static files included. The
 * ahead-of-time build writes exactly this to disk.
 */
export async function bundleUi(): Promise<Map<string, Uint8Array>> {
  // Loaded only here: a built hub never loads esbuild.
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: { bundle: `${WEB_DIR}src/main.ts` },
    bundle: true,
    write: false,
    outdir: "/ui",
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    minify: true,
    sourcemap: "linked",
    legalComments: "eof",
    // uPlot's notice is a plain block comment that minifying would drop; keep its attribution.
    banner: { js: "/* Bundles uPlot (MIT License, (c) Leon Sorokin, https://github.com/leeoniya/uPlot) */" },
    logLevel: "silent",
  });
  const files = new Map<string, Uint8Array>();
  for (const file of result.outputFiles) files.set(basename(file.path), file.contents);
  for (const name of STATIC_FILES) files.set(name, await readFile(`${WEB_DIR}${name}`));
  return files;
}

async function readBuiltUi(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const name of await readdir(dir)) files.set(name, await readFile(`${dir}/${name}`));
  return files;
}

function toAssets(files: Map<string, Uint8Array>): Map<string, UiAsset> {
  const assets = new Map<string, UiAsset>();
  for (const [name, contents] of files) assets.set(`/${name}`, asset(name, contents));
  return assets;
}

function asset(name: string, contents: Uint8Array): UiAsset {
  const body = Buffer.from(contents);
  const ext = /\.[a-z]+$/.exec(name)?.[0] ?? "";
  return {
    body,
    contentType: CONTENT_TYPES[ext] ?? "application/octet-stream",
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
  };
}
