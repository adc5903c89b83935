import assert from "node:assert/strict";
import { execFile as execFileCallback, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startTestHub } from "../helpers/hub-harness.ts";

const execFile = promisify(execFileCallback);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** What a packed tarball may hold: the runnable build, the docs and the package's own files. */
const SHIPPED =
  /^(bin\/[\w.-]+\.js|dist\/.+|docs\/[\w.-]+\.md|README\.md|SECURITY\.md|LICENSE|package\.json)$/;

describe("the publisher outside the checkout: npm pack, npm install -g, aiida-hub publish", () => {
  let work = "";
  let tarball = "";

  before(() => {
    work = mkdtempSync(join(tmpdir(), "aiida-packed-"));
    // As a user does it in the checkout (npm's prepare builds dist/ first).
    execFileSync("npm", ["pack", "--pack-destination", work], { cwd: ROOT, stdio: "ignore" });
    const name = readdirSync(work).find((file) => /^aiida-hub-.+\.tgz$/.test(file));
    assert.ok(name, "npm pack wrote aiida-hub-<version>.tgz");
    tarball = join(work, name);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it("holds the build, docs and package files only: no tests, sources, node_modules or data", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line !== "" && !line.endsWith("/"))
      .map((line) => line.replace(/^package\//, ""));
    assert.deepEqual(
      files.filter((file) => !SHIPPED.test(file)),
      [],
      "only bin/, dist/, docs/ and the package's own files",
    );
    assert.deepEqual(
      files.filter((file) => /(^|\/)(test|node_modules|data|src|web)\/|\.test\.|\.sqlite/.test(file)),
      [],
    );
    for (const needed of ["bin/aiida-hub.js", "bin/current-dist.js", "dist/main.mjs", "dist/build-stamp"])
      assert.ok(files.includes(needed), `${needed} is packed`);
    assert.ok(
      files.some((file) => file.startsWith("dist/profiles/")),
      "the publisher's profiles are packed",
    );
  });

  it("installed into a temporary prefix, `aiida-hub publish simulate --once` sends a reading the hub stores", async (t) => {
    const prefix = join(work, "prefix");
    // Outside the checkout, so nothing of it (node_modules, src/) can be found from there.
    const elsewhere = mkdtempSync(join(tmpdir(), "aiida-elsewhere-"));
    t.after(() => rmSync(elsewhere, { recursive: true, force: true }));
    const started = performance.now();
    // As docs/publisher.md says, plus a temporary prefix and npm's cache before the registry where it can.
    const install = await execFile(
      "npm",
      ["install", "-g", "--allow-scripts=better-sqlite3", "--prefix", prefix].concat([
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        tarball,
      ]),
      { cwd: elsewhere, maxBuffer: 16 * 1024 * 1024 },
    );
    t.diagnostic(`npm install -g of the tarball took ${Math.round((performance.now() - started) / 1000)} s`);
    // Shown, not failed: package.json "overrides" do not apply to an installed package, so there fastify's
    // light-my-request takes cookie 2, which asks for Node 22 (npm ci in the checkout warns of nothing).
    const engines = install.stderr.match(/package: '[^']+'/g);
    if (engines !== null) t.diagnostic(`npm warned EBADENGINE for ${engines.join(", ")}`);
    const bin = join(prefix, "bin", "aiida-hub");
    assert.ok(existsSync(bin), "npm linked the aiida-hub command");
    const installed = join(prefix, "lib", "node_modules", "aiida-hub");
    assert.equal(existsSync(join(installed, "src")), false, "no sources: dist/ runs as it is");

    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const stateHome = join(elsewhere, "state");
    const run = await execFile(bin, ["publish", "simulate", "--once"], {
      cwd: elsewhere,
      env: {
        ...process.env,
        XDG_STATE_HOME: stateHome,
        AIIDA_BROKER: creds.brokerUrl,
        AIIDA_USERNAME: creds.id,
        AIIDA_PASSWORD: creds.password,
      },
    });
    assert.match(run.stderr, /stopped after sending 1 reading; queue empty/, run.stderr);
    const records = await hub.api("GET", `/api/datasources/${creds.id}/records`);
    assert.equal(records.body.records.length, 1);
    assert.ok(existsSync(join(stateHome, "aiida-hub", "publisher", `${creds.id}.queue.sqlite`)));
  });
});
