// Lists the test files itself: on Node 20, `node --test dir/` finds no .ts files and still exits 0.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ensureCurrentDist } from "../bin/current-dist.js";

const root = new URL("..", import.meta.url).pathname;
const wanted = process.argv.slice(2);

function collect(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) found.push(...collect(full));
    else if (name.endsWith(".test.ts")) found.push(full);
  }
  return found;
}

const all = [...collect(join(root, "src")), ...collect(join(root, "test"))]
  .map((f) => relative(root, f))
  .sort();
const files = wanted.length > 0 ? all.filter((f) => wanted.some((w) => f.includes(w))) : all;
if (files.length === 0) {
  console.error(`No test files found${wanted.length > 0 ? ` matching ${wanted.join(" ")}` : ""}.`);
  process.exit(1);
}
// Tests that start the hub as a child run bin/aiida-hub.js, which runs dist/ (as users do): build it
// once here if the sources are newer, rather than in the first of several hubs started at once.
ensureCurrentDist();

// Files that take minutes by design get a limit of their own (node's --test-timeout also limits each
// whole file): the packed-tarball test installs the package with npm, which compiles better-sqlite3.
const SLOW = new Map([["test/device/packed-tarball.test.ts", 15 * 60_000]]);

function runTests(testFiles, timeoutMs) {
  const result = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--test",
      "--test-reporter=spec",
      "--test-concurrency=1",
      `--test-timeout=${timeoutMs}`,
      ...testFiles,
    ],
    { cwd: root, stdio: "inherit" },
  );
  return result.status ?? 1;
}

const usual = files.filter((f) => !SLOW.has(f));
let status = usual.length > 0 ? runTests(usual, 120_000) : 0;
for (const file of files.filter((f) => SLOW.has(f))) {
  const slowStatus = runTests([file], SLOW.get(file));
  if (status === 0) status = slowStatus;
}
process.exit(status);
