import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";

const SRC = new URL("../src/", import.meta.url).pathname;

/** Which top-level folders each folder of src/ may import from (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  domain: [],
  cim: ["domain"],
  platform: [],
  config: [],
  storage: ["domain", "platform"],
  ingest: ["domain", "cim", "platform", "storage"],
  broker: ["domain", "platform", "storage"],
  services: ["domain", "platform", "storage", "broker"],
  http: ["domain", "services", "ingest", "storage", "platform", "cim", "sharing"],
  device: ["domain", "cim", "platform"],
  sharing: ["domain", "cim", "platform", "storage"],
  tls: ["platform"],
  transport: ["platform"],
  emqx: ["domain", "platform"],
  cluster: ["platform"],
  "hub-cluster": ["domain", "platform", "broker", "ingest", "cluster", "storage"],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return files(full);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [full] : [];
  });
}

describe("architecture", () => {
  it("keeps imports pointing inward: each folder imports only what docs/architecture.md allows", () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const from = relative(SRC, file).split("/")[0] ?? "";
      const allowed = ALLOWED[from];
      if (!allowed) {
        // hub.ts, main.ts, version.ts at the top of src/: the composition root may import anything.
        // A folder without a row would go unchecked, so it fails here until it gets one.
        assert.ok(!relative(SRC, file).includes("/"), `src/${from}/ has no row in ALLOWED`);
        continue;
      }
      for (const match of readFileSync(file, "utf8").matchAll(/from "(\.[^"]+)"/g)) {
        const target = relative(SRC, join(file, "..", match[1] ?? "")).split("/")[0] ?? "";
        if (target !== from && !allowed.includes(target))
          violations.push(`${relative(SRC, file)} → ${match[1]}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it("only storage/ports.ts of storage is imported outside storage and the composition root", () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const from = relative(SRC, file).split("/")[0] ?? "";
      if (from === "storage" || !ALLOWED[from]) continue;
      for (const match of readFileSync(file, "utf8").matchAll(/from "(\.[^"]+)"/g)) {
        const target = relative(SRC, join(file, "..", match[1] ?? ""));
        if (target.startsWith("storage/") && target !== "storage/ports.ts")
          violations.push(`${relative(SRC, file)} → ${target}`);
      }
    }
    assert.deepEqual(violations, []);
  });
});
