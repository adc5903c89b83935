import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, it } from "node:test";

// npm's own range matcher (a dependency of fastify and prebuild-install, without types of its own), so
// ranges are read as npm reads them.
const semver = createRequire(import.meta.url)("semver") as {
  satisfies(version: string, range: string, options: { includePrerelease: boolean }): boolean;
};

interface LockEntry {
  readonly version?: string;
  readonly engines?: unknown;
}

const lock = JSON.parse(readFileSync(new URL("../package-lock.json", import.meta.url), "utf8")) as {
  packages: Record<string, LockEntry>;
};
const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  engines: { node: string };
};

/**
 * The first release of each supported Node line and the npm it ships with: `npm ci` warns EBADENGINE
 * for every locked package whose engines do not take them.
 */
const SUPPORTED = [
  { node: "20.19.0", npm: "10.8.2" },
  { node: "22.0.0", npm: "10.5.1" },
  { node: "24.0.0", npm: "11.3.0" },
];

/** Like npm's engine check: only an object's `node` and `npm` ranges count, pre-releases included. */
function refusals(entry: LockEntry, node: string, npm: string): string[] {
  const engines = entry.engines;
  if (engines === null || typeof engines !== "object" || Array.isArray(engines)) return [];
  const ranges = engines as { node?: unknown; npm?: unknown };
  const refused: string[] = [];
  for (const [name, version] of [
    ["node", node],
    ["npm", npm],
  ] as const) {
    const range = ranges[name];
    if (typeof range === "string" && !semver.satisfies(version, range, { includePrerelease: true }))
      refused.push(`${name} ${range}`);
  }
  return refused;
}

describe("npm ci on the supported Node versions", () => {
  it("the package says it needs Node 20.19 or newer", () => {
    assert.equal(manifest.engines.node, ">=20.19");
  });

  for (const { node, npm } of SUPPORTED) {
    it(`warns EBADENGINE for no locked package on Node ${node} (npm ${npm})`, () => {
      const refused = Object.entries(lock.packages).flatMap(([path, entry]) =>
        refusals(entry, node, npm).map((range) => `${path || "the package"}@${entry.version}: ${range}`),
      );
      assert.deepEqual(refused, []);
    });
  }
});
