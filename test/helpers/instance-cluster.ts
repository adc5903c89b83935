import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import pg from "pg";
import { SHARD_COUNT } from "../../src/cluster/shard-of.ts";
import { SECRET_KEY_FILE } from "../../src/hub.ts";
import { TEST_ADMIN_PASSWORD } from "./hub-harness.ts";
import { type HubProcess, spawnHub } from "./hub-process.ts";
import { freshDatabase } from "./postgres.ts";
import { startTcpBalancer, type TcpBalancer } from "./tcp-balancer.ts";
import { waitFor } from "./wait-for.ts";

/**
 * Several hub processes on one fresh PostgreSQL database, each with its own data directory and the same
 * key file. With `networks`, each reaches the database through a TCP proxy of its own that a test can cut.
 */
export async function instances(
  t: TestContext,
  count: number,
  options: { networks?: boolean } = {},
): Promise<{ hubs: HubProcess[]; url: string; networks: TcpBalancer[] }> {
  const database = await freshDatabase();
  const networks: TcpBalancer[] = [];
  const dirs = Array.from({ length: count }, () => mkdtempSync(join(tmpdir(), "aiida-hub-instance-")));
  const hubs: HubProcess[] = [];
  t.after(async () => {
    const running = hubs.filter((hub) => hub.child.exitCode === null && hub.child.signalCode === null);
    for (const hub of running) hub.child.kill("SIGKILL");
    await Promise.all(running.map(exited));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await database.drop();
  });
  for (const [i, dir] of dirs.entries()) {
    // Every instance opens the secrets sealed by the others: they share the first one's key file.
    if (i > 0) copyFileSync(join(dirs[0] as string, SECRET_KEY_FILE), join(dir, SECRET_KEY_FILE));
    let url = database.url;
    if (options.networks) {
      const direct = new URL(database.url);
      const network = await startTcpBalancer(t, [
        { host: direct.hostname, port: Number(direct.port || 5432) },
      ]);
      networks.push(network);
      url = Object.assign(new URL(database.url), { port: String(network.port) }).toString();
    }
    hubs.push(
      await spawnHub(t, ["--data-dir", dir, "--http-port", "0", "--mqtt-port", "0", "--database-url", url]),
    );
  }
  return { hubs, url: database.url, networks };
}

/**
 * Resolves once the permission shards are spread evenly over `holders` instances (their advisory locks
 * on the database at `url`): a permission accepted from then on stays where it starts streaming.
 */
export async function shardsSpread(url: string, holders: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await waitFor(
      async () => {
        const held = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE '% shards'
              AND l.objid::bigint <> l.pid -- not the session's presence lock (second key: its pid)
            GROUP BY a.application_name`,
        );
        const counts = held.rows.map((r) => r.n);
        return counts.length === holders && counts.every((n) => n === SHARD_COUNT / holders);
      },
      `the ${SHARD_COUNT} shards spread over ${holders} instances`,
      15_000,
    );
  } finally {
    await client.end();
  }
}

/** When `hub` logged its first line containing `text`, by the time stamped on the line (NaN if none). */
export function loggedAt(hub: HubProcess, text: string): number {
  const line = hub
    .output()
    .split("\n")
    .find((l) => l.includes(text));
  return Date.parse((JSON.parse(line ?? "{}") as { time?: string }).time ?? "");
}

export function exited(hub: HubProcess): Promise<void> {
  return new Promise((resolve) => hub.child.once("exit", () => resolve()));
}

export async function login(hub: HubProcess): Promise<string> {
  const res = await fetch(`${hub.httpUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: TEST_ADMIN_PASSWORD }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { token: string }).token;
}

export async function api(hub: HubProcess, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${hub.httpUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}

export async function createSource(hub: HubProcess, token: string) {
  const res = await api(hub, token, "POST", "/api/datasources", {
    name: "meter",
    type: "CIM",
    asset: "CONNECTION-AGREEMENT-POINT",
    countryCode: "AT",
  });
  assert.equal(res.status, 201);
  const c = res.body.credentials;
  return { id: c.dataSourceId as string, password: c.password as string, topic: c.topic as string };
}

export const reading = (value: number, at = Date.now() - 60_000) =>
  JSON.stringify({
    "dateAndOrTime.dateTime": new Date(at + value).toISOString(),
    Quantity: [{ quantity: value, type: "2" }],
  });
