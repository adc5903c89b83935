/**
 * Summarizes V8 .cpuprofile files (from `npm run bench -- --cpu-prof`):
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile or folder>… [--top N]
 * Profiles of threads that never ran the hub's own code (tsx's module loader thread) are skipped.
 * Prints self time by function, total (inclusive) time by function, and self time by source
 * (a file of src/, a package of node_modules, or a V8 category such as (garbage collector)).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "25" } },
});
const top = Number(values.top);
if (positionals.length === 0) {
  process.stderr.write("Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile>… [--top N]\n");
  process.exit(2);
}

function sourceOf(url: string, name: string): string {
  if (url === "") return name.startsWith("(") ? name : "(native)";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return `npm:${modules[1]}`;
  const src = /\/((?:src|bin|bench)\/.*)$/.exec(url);
  if (src) return src[1] ?? url;
  if (url.startsWith("node:")) return url;
  return url;
}

function keyOf(n: ProfileNode): string {
  const f = n.callFrame;
  const where = f.url ? `${sourceOf(f.url, f.functionName)}:${f.lineNumber + 1}` : "";
  return `${f.functionName || "(anonymous)"} ${where}`.trim();
}

const selfByFunction = new Map<string, number>();
const totalByFunction = new Map<string, number>();
const selfBySource = new Map<string, number>();
let totalMs = 0;

const files = positionals.flatMap((p) =>
  statSync(p).isDirectory()
    ? readdirSync(p, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith(".cpuprofile"))
        .map((f) => join(p, f))
    : [p],
);
let used = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  // The hub runs from its bundle (dist/main.mjs) as users do; a hub started from sources names src/main.ts.
  if (!profile.nodes.some((n) => /\/(src\/main\.ts|dist\/main\.mjs)$/.test(n.callFrame.url))) continue;
  used++;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    selfMs.set(id, (selfMs.get(id) ?? 0) + dt);
  }
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (!node) continue;
    totalMs += ms;
    const key = keyOf(node);
    selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + ms);
    const source = sourceOf(node.callFrame.url, node.callFrame.functionName);
    selfBySource.set(source, (selfBySource.get(source) ?? 0) + ms);
    // Inclusive time: each distinct function on the stack gets this sample once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (!n) break;
      const k = keyOf(n);
      if (seen.has(k)) continue;
      seen.add(k);
      totalByFunction.set(k, (totalByFunction.get(k) ?? 0) + ms);
    }
  }
}

function print(title: string, map: Map<string, number>): void {
  process.stdout.write(`\n${title}\n`);
  const rows = [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [k, ms] of rows) {
    process.stdout.write(
      `  ${(ms / 1000).toFixed(2).padStart(8)} s  ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%  ${k}\n`,
    );
  }
}

const idle = selfBySource.get("(idle)") ?? 0;
process.stdout.write(
  `${used} of ${files.length} profile(s) (main threads), ${(totalMs / 1000).toFixed(1)} s sampled, ` +
    `${((totalMs - idle) / 1000).toFixed(1)} s busy\n`,
);
print("Self time by source", selfBySource);
print("Self time by function", selfByFunction);
print("Total (inclusive) time by function", totalByFunction);
