// Decides whether dist/ (the ahead-of-time build, scripts/build.ts) may run, and rebuilds it when not.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const STAMP = join(ROOT, "dist", "build-stamp");
/** What the build reads: a change to any of these makes dist/ out of date. */
const INPUTS = ["src", "web", "package.json", "tsconfig.json", "scripts/build.ts"];

/**
 * Makes sure dist/ holds a build of the sources as they are. In a checkout (src/ present) dist/ is
 * current when its stamp is newer than every input, as make decides; otherwise it is rebuilt here, in
 * a child process (a few hundred ms), so that the hub itself never loads esbuild or tsx. An installed
 * package ships dist/ without src/, and runs it as it is.
 */
export function ensureCurrentDist() {
  const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : undefined;
  if (!existsSync(join(ROOT, "src"))) {
    if (built === undefined) fail("dist/ is missing or incomplete; reinstall the package.");
    return;
  }
  if (built !== undefined && newestInput() < built) return;
  const result = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts/build.ts")], {
    cwd: ROOT,
    // The build's summary would end up in the hub's output; its errors go to stderr.
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (result.status !== 0)
    fail("building dist/ from the sources failed (see above); fix it or run `npm run build`.");
}

function newestInput() {
  let newest = 0;
  const visit = (path) => {
    let info;
    try {
      info = statSync(path);
    } catch {
      return; // an input that does not exist changes nothing
    }
    newest = Math.max(newest, info.mtimeMs);
    if (info.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  for (const input of INPUTS) visit(join(ROOT, input));
  return newest;
}

function fail(message) {
  process.stderr.write(`aiida-hub: ${message}\n`);
  process.exit(1);
}
