import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { type HubModules, hubModules } from "./hub-modules.ts";

/** A device's credentials and its publishing state, kept across repetitions. */
export interface Device {
  readonly id: string;
  readonly password: string;
  readonly topic: string;
  /** Index among the scenario's devices; picks the message shape (2–6 quantities). */
  readonly index: number;
  /** Messages sent so far; each message's timestamp is `tsBase + seq` ms, so every record is new. */
  seq: number;
  /** Set when the device first publishes: 30 s before that moment, like a meter sending current data. */
  tsBase: number | undefined;
}

/**
 * How far before its first message a device's timestamps start. One millisecond per message keeps
 * them unique; a device sending 30,000 msg/s for 6 s ends 150 s ahead of the clock, inside the hub's
 * 300 s future skew. Throughput scenarios use fresh devices for every repetition for that reason.
 */
export const TS_LEAD_MS = 30_000;

/** The hub's database file in a data dir ("aiida-hub.sqlite"; the name comes from the hub's code). */
export function databaseFile(dataDir: string): string {
  return join(dataDir, databaseFileName);
}

let databaseFileName = "aiida-hub.sqlite";

/**
 * The fast bulk path: opens the hub's database (migrating it like the hub does) and inserts `count`
 * data sources with credentials and ACL rows exactly as SqliteDataSourceStore.create writes them,
 * in one transaction. The hub must be stopped; it loads them into its directory when it starts.
 */
export async function provisionSources(dataDir: string, count: number, firstIndex = 0): Promise<Device[]> {
  const hub = await hubModules();
  databaseFileName = hub.databaseFile;
  const db = hub.openDatabase(databaseFile(dataDir));
  try {
    return insertSources(hub, db, count, firstIndex);
  } finally {
    db.close();
  }
}

function insertSources(hub: HubModules, db: Database.Database, count: number, firstIndex: number): Device[] {
  const source = db.prepare(
    `INSERT INTO data_source (id, name, type, asset, country_code, icon, meter_id, operator_id, enabled,
       created_at, updated_at) VALUES (?, ?, 'CIM', 'SUBMETER', 'AT', 'ELECTRICITY', NULL, NULL, 1, ?, ?)`,
  );
  const user = db.prepare(
    "INSERT INTO data_source_mqtt_user (username, password_hash, salt) VALUES (?, ?, ?)",
  );
  const acl = db.prepare(
    "INSERT INTO data_source_mqtt_acl (username, action, permission, topic) VALUES (?, ?, 'allow', ?)",
  );
  const devices: Device[] = [];
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      const password = hub.randomBase62(24);
      const hash = hub.hashDevicePassword(password);
      source.run(id, `bench device ${firstIndex + i}`, now, now);
      user.run(id, hash.hash, hash.salt);
      acl.run(id, "publish", hub.dataTopic(id));
      acl.run(id, "subscribe", hub.feedbackTopic(id));
      devices.push({
        id,
        password,
        topic: hub.dataTopic(id),
        index: firstIndex + i,
        seq: 0,
        tsBase: undefined,
      });
    }
  })();
  return devices;
}
