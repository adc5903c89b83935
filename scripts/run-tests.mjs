// Lists the test files itself: on Node 20, `node --test dir/` finds no .ts files and still exits 0.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
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

// The hub's behaviour suite runs a second time with every test hub on a fresh PostgreSQL database
// (test/helpers/hub-harness.ts); the files left out test what only a SQLite file has (its loss, a full
// disk, its reader and writer threads).
const POSTGRES_SUITE = [
  "test/hub/admin-password-change.test.ts",
  "test/hub/bad-payloads.test.ts",
  "test/hub/broker-access.test.ts",
  "test/hub/chart-rollup.test.ts",
  "test/hub/client-id-ownership.test.ts",
  "test/hub/connection-log.test.ts",
  "test/hub/data-source-checks.test.ts",
  "test/hub/data-source-roles.test.ts",
  "test/hub/device-end-to-end.test.ts",
  "test/hub/energy.test.ts",
  "test/hub/energy-csv.test.ts",
  "test/hub/live-streams.test.ts",
  "test/hub/login-throttle.test.ts",
  "test/hub/mqtt5-endpoint.test.ts",
  "test/hub/permissions.test.ts",
  "test/hub/persistent-session-restart.test.ts",
  "test/hub/readable-feedback.test.ts",
  "test/hub/reading-data.test.ts",
  "test/hub/receipt-time.test.ts",
  "test/hub/records-csv.test.ts",
  "test/hub/rest-api.test.ts",
  "test/hub/restart.test.ts",
  "test/hub/sharing-end-to-end.test.ts",
];

// Every run also writes its failures to a file of its own, listed again at the end of the whole run.
const failureDir = mkdtempSync(join(tmpdir(), "aiida-hub-test-failures-"));
const failureFiles = [];

function runTests(testFiles, timeoutMs, env = {}) {
  const failureFile = join(failureDir, `run-${failureFiles.length + 1}.txt`);
  failureFiles.push(failureFile);
  const result = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--test",
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      "--test-reporter=./scripts/failure-list-reporter.mjs",
      `--test-reporter-destination=${failureFile}`,
      "--test-concurrency=1",
      `--test-timeout=${timeoutMs}`,
      ...testFiles,
    ],
    { cwd: root, stdio: "inherit", env: { ...process.env, ...env } },
  );
  return result.status ?? 1;
}

// The timeout holds for a whole file too (each file is a test): permissions.test.ts runs ~2 min on a busy machine.
const FILE_TIMEOUT_MS = 300_000;
const usual = files.filter((f) => !SLOW.has(f));
let status = usual.length > 0 ? runTests(usual, FILE_TIMEOUT_MS) : 0;
const onPostgres = files.filter((f) => POSTGRES_SUITE.includes(f));
if (onPostgres.length > 0) {
  console.log(`\nThe hub's behaviour suite again, on PostgreSQL (${onPostgres.length} files):`);
  const postgresStatus = runTests(onPostgres, FILE_TIMEOUT_MS, { AIIDA_TEST_BACKEND: "postgres" });
  if (status === 0) status = postgresStatus;
}
for (const file of files.filter((f) => SLOW.has(f))) {
  const slowStatus = runTests([file], SLOW.get(file));
  if (status === 0) status = slowStatus;
}
const failures = failureFiles.flatMap((file) => {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
});
rmSync(failureDir, { recursive: true, force: true });
if (failures.length > 0) {
  console.log(`\nFailed tests (${failures.length}):\n${failures.map((line) => `  ${line}`).join("\n")}`);
} else if (status !== 0) {
  console.log("\nA test run failed without a failed test (a file that did not load or a crash): see above.");
}
process.exit(status);
