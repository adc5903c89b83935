import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, type TestContext } from "node:test";
import Database from "better-sqlite3";
import { type HubConfig, loadConfig } from "../../src/config/hub-config.ts";
import { createHub, DATABASE_FILE, type Hub, type HubOptions, type RunningHub } from "../../src/hub.ts";
import { type Logger, silentLogger } from "../../src/platform/logger.ts";
import type { PostgresStorage } from "../../src/storage/postgres/postgres-storage.ts";
import { type FreshDatabase, freshDatabase } from "./postgres.ts";

/** The admin password every test hub is created with. */
export const TEST_ADMIN_PASSWORD = "test-admin-password";

/** A JSON response: status and parsed body. */
export interface ApiResponse<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** Credentials the hub hands out for a new data source. */
export interface DeviceCredentials {
  readonly id: string;
  readonly password: string;
  readonly topic: string;
  readonly brokerUrl: string;
}

/** A real hub in this process: real SQLite file in a temp dir, broker and HTTP on free ports. */
export interface TestHub {
  readonly hub: Hub;
  /** Every address the hub listens on (HTTPS, MQTTS and WebSocket URLs among them). */
  readonly running: RunningHub;
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly mqttPort: number;
  readonly dataDir: string;
  readonly token: string;
  api<T = any>(method: string, path: string, body?: unknown, token?: string | null): Promise<ApiResponse<T>>;
  createDataSource(fields?: Record<string, unknown>): Promise<DeviceCredentials>;
  stop(): Promise<void>;
}

/** Default body for a CIM data source. */
export const CIM_SOURCE = {
  name: "Test meter",
  type: "CIM",
  asset: "CONNECTION-AGREEMENT-POINT",
  countryCode: "AT",
};

/** Makes a fresh temp data directory, removed when the test ends. */
export function tempDataDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "aiida-hub-test-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Builds a hub config for tests: loopback, free ports, the given data dir. */
export function testConfig(
  dataDir: string,
  overrides: Partial<Record<keyof HubConfig, string>> = {},
  env: NodeJS.ProcessEnv = {},
): HubConfig {
  return loadConfig(
    { host: "127.0.0.1", httpPort: "0", mqttPort: "0", dataDir, retentionDays: "36500", ...overrides },
    { AIIDA_HUB_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, ...env },
  );
}

/**
 * The database test hubs use: SQLite in their data directory, or with AIIDA_TEST_BACKEND=postgres a fresh
 * PostgreSQL database each (the behaviour suite runs once on each; scripts/run-tests.mjs).
 */
export const TEST_BACKEND: "sqlite" | "postgres" =
  process.env.AIIDA_TEST_BACKEND === "postgres" ? "postgres" : "sqlite";

/**
 * The PostgreSQL database of a test hub's data directory when the suite runs on PostgreSQL: fresh for a
 * new directory, the same again for a hub restarted on it (as its SQLite file would be). All are dropped
 * once the test file is done, after every hub has stopped.
 */
const databasesByDataDir = new Map<string, Promise<FreshDatabase>>();
if (TEST_BACKEND === "postgres") {
  after(async () => {
    for (const database of databasesByDataDir.values()) await (await database).drop();
  });
}

async function testDatabaseUrl(dataDir: string): Promise<string | undefined> {
  if (TEST_BACKEND !== "postgres") return undefined;
  let database = databasesByDataDir.get(dataDir);
  if (database === undefined) {
    database = freshDatabase();
    databasesByDataDir.set(dataDir, database);
  }
  return (await database).url;
}

/** testConfig with the data directory's PostgreSQL database when the suite runs on PostgreSQL. */
export async function testHubConfig(
  dataDir: string,
  overrides: Partial<Record<keyof HubConfig, string>> = {},
): Promise<HubConfig> {
  const databaseUrl = await testDatabaseUrl(dataDir);
  return testConfig(dataDir, { ...(databaseUrl !== undefined && { databaseUrl }), ...overrides });
}

/** Rows of one of the hub's tables, from its SQLite file or its PostgreSQL database. */
export async function storedRows(hub: TestHub, table: string): Promise<Record<string, unknown>[]> {
  const storage = hub.hub.internals.storage() as Partial<PostgresStorage>;
  if (storage.pool !== undefined) return (await storage.pool.query(`SELECT * FROM ${table}`)).rows;
  const db = new Database(join(hub.dataDir, DATABASE_FILE), { readonly: true });
  try {
    return db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/** Starts a hub for one test and stops it when the test ends. */
export async function startTestHub(
  t: TestContext,
  options: {
    dataDir?: string;
    config?: Partial<Record<keyof HubConfig, string>>;
    /** Variables beside the admin password (settings that are read from the environment only). */
    env?: NodeJS.ProcessEnv;
    logger?: Logger;
    hub?: HubOptions;
  } = {},
): Promise<TestHub> {
  const dataDir = options.dataDir ?? tempDataDir(t);
  const databaseUrl = options.config?.databaseUrl === undefined ? await testDatabaseUrl(dataDir) : undefined;
  const hub = createHub(
    testConfig(
      dataDir,
      {
        ...(databaseUrl !== undefined && { databaseUrl }),
        ...options.config,
      },
      options.env,
    ),
    options.logger ?? silentLogger,
    options.hub,
  );
  const running = await hub.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await hub.stop();
  };
  t.after(stop);
  const api = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
    token?: string | null,
  ): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = {};
    if (token !== null && (token ?? loginToken)) headers.authorization = `Bearer ${token ?? loginToken}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${running.httpUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: (text === "" ? undefined : JSON.parse(text)) as T,
      headers: res.headers,
    };
  };
  let loginToken = "";
  const login = await api<{ token: string }>("POST", "/api/auth/login", {
    username: "admin",
    password: TEST_ADMIN_PASSWORD,
  });
  if (login.status !== 200) throw new Error(`test login failed: ${JSON.stringify(login.body)}`);
  loginToken = login.body.token;
  return {
    hub,
    running,
    httpUrl: running.httpUrl,
    mqttUrl: running.mqttUrl,
    mqttPort: running.mqttPort,
    dataDir,
    token: loginToken,
    api,
    async createDataSource(fields = {}) {
      const res = await api("POST", "/api/datasources", { ...CIM_SOURCE, ...fields });
      if (res.status !== 201) throw new Error(`creating a data source failed: ${JSON.stringify(res.body)}`);
      const c = res.body.credentials;
      return { id: c.dataSourceId, password: c.password, topic: c.topic, brokerUrl: c.brokerUrl };
    },
    stop,
  };
}

/** One log call as the hub made it. */
export interface LoggedEvent {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

/** A logger that keeps every event in memory, for tests that check what the hub says. */
export function capturingLogger(): Logger & { readonly events: LoggedEvent[] } {
  const events: LoggedEvent[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    events.push({ level, message, fields });
  };
  return { events, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
