import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import { TEST_ADMIN_PASSWORD, tempDataDir } from "../helpers/hub-harness.ts";
import { createSourceOver, spawnHubFrom } from "../helpers/hub-process.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function temporaryDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Links this checkout's node_modules into `dir`, as `npm install` would have put the dependencies there. */
function linkDependencies(dir: string): void {
  symlinkSync(realpathSync(join(ROOT, "node_modules")), join(dir, "node_modules"));
}

/** `npm pack` (its `prepare` builds dist/), unpacked as an installed package: dist/ without src/. */
function unpackedPackage(t: TestContext): string {
  const dir = temporaryDir(t, "aiida-package-");
  execFileSync("npm", ["pack", "--pack-destination", dir], { cwd: ROOT, stdio: "ignore" });
  const tarball = readdirSync(dir).find((name) => name.endsWith(".tgz"));
  assert.ok(tarball, "npm pack wrote a tarball");
  execFileSync("tar", ["-xzf", join(dir, tarball), "-C", dir]);
  const root = join(dir, "package");
  linkDependencies(root);
  return root;
}

/** The processes `pid` started that still run (Linux: /proc/<pid>/task/<tid>/children). */
function childProcessesOf(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8")
      .split(" ")
      .filter((child) => child !== ""),
  );
}

async function login(httpUrl: string): Promise<string> {
  const res = await fetch(`${httpUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: TEST_ADMIN_PASSWORD }),
  });
  return ((await res.json()) as { token: string }).token;
}

describe("the ahead-of-time build", () => {
  it("runs from the packed package alone (dist/, no sources): health, one stored message, the UI, the profiles", async (t) => {
    const root = unpackedPackage(t);
    assert.deepEqual(
      readdirSync(root).filter((name) => name === "src" || name === "web"),
      [],
      "the package ships no sources, so only dist/ can run",
    );
    const bin = join(root, "bin/aiida-hub.js");
    const hub = await spawnHubFrom(t, bin, [
      "--data-dir",
      tempDataDir(t),
      "--http-port",
      "0",
      "--mqtt-port",
      "0",
    ]);

    const health = await fetch(`${hub.httpUrl}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, "UP");

    const device = await createSourceOver(hub.httpUrl);
    const client = await mqtt.connectAsync(hub.mqttUrl, {
      username: device.id,
      password: device.password,
      reconnectPeriod: 0,
    });
    t.after(() => client.end(true));
    const timestamp = "2026-01-01T12:00:00.000Z";
    // QoS 1: the PUBACK comes once the writer thread (started from dist/ too) has committed it.
    await client.publishAsync(
      device.topic,
      JSON.stringify({ "dateAndOrTime.dateTime": timestamp, Quantity: [{ quantity: 42, type: "0" }] }),
      { qos: 1 },
    );
    const latest = await fetch(`${hub.httpUrl}/api/datasources/${device.id}/records/latest`, {
      headers: { authorization: `Bearer ${await login(hub.httpUrl)}` },
    });
    assert.equal(latest.status, 200);
    const record = (await latest.json()) as { timestamp: string };
    assert.equal(record.timestamp, timestamp);

    const bundle = await fetch(`${hub.httpUrl}/bundle.js`);
    assert.equal(bundle.status, 200);
    assert.equal(
      await bundle.text(),
      readFileSync(join(root, "dist/ui/bundle.js"), "utf8"),
      "the UI built once",
    );

    // tsx and the in-memory UI bundle both start esbuild's service process; the built hub needs neither.
    assert.ok(hub.child.pid);
    assert.deepEqual(childProcessesOf(hub.child.pid), [], "the hub started no esbuild process");

    const help = execFileSync(process.execPath, [bin, "publish", "--help"], { encoding: "utf8" });
    assert.match(help, /Built-in profiles: amis-reader, generic-rest, huawei-sun2000, tasmota-sml\./);
  });

  it("rebuilds dist/ first when a source is newer, so an edited checkout never runs stale code", (t) => {
    const root = temporaryDir(t, "aiida-checkout-");
    for (const part of ["bin", "scripts", "src", "web", "package.json", "tsconfig.json"])
      cpSync(join(ROOT, part), join(root, part), { recursive: true });
    linkDependencies(root);
    const bin = join(root, "bin/aiida-hub.js");
    const version = () => execFileSync(process.execPath, [bin, "--version"], { encoding: "utf8" }).trim();
    assert.equal(version(), JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);

    writeFileSync(join(root, "src/version.ts"), 'export const HUB_VERSION: string = "9.9.9-edited";\n');
    assert.equal(version(), "9.9.9-edited");
  });
});
