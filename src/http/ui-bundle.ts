import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** One file of the web UI, held in memory. */
export interface UiAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

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
 * Bundles web/src with esbuild into memory, once per process: `npm ci` then `npm start` needs no
 * separate build step, and every hub in one process (tests) shares the result.
 */
export function uiAssets(): Promise<Map<string, UiAsset>> {
  cached ??= bundle();
  return cached;
}

async function bundle(): Promise<Map<string, UiAsset>> {
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
  const assets = new Map<string, UiAsset>();
  for (const file of result.outputFiles)
    assets.set(`/${basename(file.path)}`, asset(file.path, file.contents));
  for (const name of STATIC_FILES) assets.set(`/${name}`, asset(name, await readFile(`${WEB_DIR}${name}`)));
  return assets;
}

function asset(path: string, contents: Uint8Array): UiAsset {
  const body = Buffer.from(contents);
  const ext = /\.[a-z]+$/.exec(path)?.[0] ?? "";
  return {
    body,
    contentType: CONTENT_TYPES[ext] ?? "application/octet-stream",
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
  };
}
