import type Database from "better-sqlite3";
import {
  type Asset,
  type DataSource,
  type DataSourceType,
  dataTopic,
  feedbackTopic,
  type Icon,
} from "../../domain/data-source.ts";
import type { DataSourceRole } from "../../domain/data-source-role.ts";
import type { PlausibilityOverrides } from "../../domain/plausibility.ts";
import type { DevicePasswordHash } from "../../platform/secrets.ts";
import type { DataSourcePatch, DataSourceStore, DeviceCredential, IngestCounters } from "../ports.ts";
import type { DataSourceKeys } from "./data-source-keys.ts";
import { inRequestTransaction } from "./write-transaction.ts";

interface DataSourceRow {
  key: number;
  id: string;
  name: string;
  type: string;
  asset: string;
  role: string;
  country_code: string;
  icon: string;
  meter_id: string | null;
  operator_id: string | null;
  plausibility: string | null;
  enabled: number;
  owner: string;
  created_at: number;
  updated_at: number;
}

function toDataSource(row: DataSourceRow): DataSource {
  return {
    id: row.id,
    name: row.name,
    type: row.type as DataSourceType,
    asset: row.asset as Asset,
    role: row.role as DataSourceRole,
    countryCode: row.country_code,
    icon: row.icon as Icon,
    meterId: row.meter_id,
    operatorId: row.operator_id,
    plausibility: row.plausibility === null ? null : (JSON.parse(row.plausibility) as PlausibilityOverrides),
    enabled: row.enabled === 1,
    owner: row.owner,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const COLUMNS: Record<keyof DataSourcePatch, string> = {
  name: "name",
  asset: "asset",
  role: "role",
  countryCode: "country_code",
  icon: "icon",
  meterId: "meter_id",
  operatorId: "operator_id",
  plausibility: "plausibility",
  enabled: "enabled",
};

/** The plausibility column: the overrides as JSON, NULL for the defaults. */
function plausibilityColumn(overrides: PlausibilityOverrides | null): string | null {
  return overrides === null ? null : JSON.stringify(overrides);
}

/** A patched field as its column stores it. */
function columnValue(field: keyof DataSourcePatch, value: unknown): unknown {
  if (field === "plausibility") return plausibilityColumn(value as PlausibilityOverrides | null);
  return typeof value === "boolean" ? (value ? 1 : 0) : value;
}

/** Data sources, their device credentials and ACL rows in SQLite. */
export class SqliteDataSourceStore implements DataSourceStore {
  constructor(
    private readonly db: Database.Database,
    private readonly keys: DataSourceKeys,
  ) {}

  async create(source: DataSource, password: DevicePasswordHash): Promise<void> {
    const key = inRequestTransaction(this.db, () => {
      const info = this.db
        .prepare(
          `INSERT INTO data_source (id, name, type, asset, role, country_code, icon, meter_id, operator_id,
             plausibility, enabled, owner, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          source.id,
          source.name,
          source.type,
          source.asset,
          source.role,
          source.countryCode,
          source.icon,
          source.meterId,
          source.operatorId,
          plausibilityColumn(source.plausibility),
          source.enabled ? 1 : 0,
          source.owner,
          source.createdAt,
          source.updatedAt,
        );
      this.db
        .prepare("INSERT INTO data_source_mqtt_user (username, password_hash, salt) VALUES (?, ?, ?)")
        .run(source.id, password.hash, password.salt);
      const acl = this.db.prepare(
        "INSERT INTO data_source_mqtt_acl (username, action, permission, topic) VALUES (?, ?, 'allow', ?)",
      );
      acl.run(source.id, "publish", dataTopic(source.id));
      acl.run(source.id, "subscribe", feedbackTopic(source.id));
      return Number(info.lastInsertRowid);
    });
    this.keys.set(source.id, key); // only once committed: a failed COMMIT leaves no key behind
  }

  async get(id: string): Promise<DataSource | undefined> {
    return this.read(id);
  }

  /** One data source, synchronous so that update reads it back in the same turn as its write. */
  private read(id: string): DataSource | undefined {
    const row = this.db.prepare("SELECT * FROM data_source WHERE id = ?").get(id) as
      | DataSourceRow
      | undefined;
    return row ? toDataSource(row) : undefined;
  }

  async list(): Promise<DataSource[]> {
    const rows = this.db
      .prepare("SELECT * FROM data_source ORDER BY created_at, key")
      .all() as DataSourceRow[];
    return rows.map(toDataSource);
  }

  async update(id: string, patch: DataSourcePatch, now: number): Promise<DataSource | undefined> {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [
      keyof DataSourcePatch,
      unknown,
    ][];
    const sets = entries.map(([k]) => `${COLUMNS[k]} = ?`);
    const values = entries.map(([k, v]) => columnValue(k, v));
    const info = inRequestTransaction(this.db, () =>
      this.db
        .prepare(`UPDATE data_source SET ${[...sets, "updated_at = ?"].join(", ")} WHERE id = ?`)
        .run(...values, now, id),
    );
    return info.changes === 0 ? undefined : this.read(id);
  }

  async setPassword(id: string, password: DevicePasswordHash, now: number): Promise<boolean> {
    return inRequestTransaction(this.db, () => {
      const info = this.db
        .prepare("UPDATE data_source_mqtt_user SET password_hash = ?, salt = ? WHERE username = ?")
        .run(password.hash, password.salt, id);
      this.db.prepare("UPDATE data_source SET updated_at = ? WHERE id = ?").run(now, id);
      return info.changes > 0;
    });
  }

  async delete(id: string): Promise<boolean> {
    const deleted = inRequestTransaction(this.db, () => {
      const key = this.keys.get(id);
      const info = this.db.prepare("DELETE FROM data_source WHERE id = ?").run(id);
      if (info.changes === 0 || key === undefined) return false;
      this.db.prepare("DELETE FROM data_source_mqtt_user WHERE username = ?").run(id);
      this.db.prepare("DELETE FROM data_source_mqtt_acl WHERE username = ?").run(id);
      this.db.prepare("DELETE FROM feedback_report WHERE data_source_key = ?").run(key);
      // Records can be millions of rows: the retention job purges them in batches.
      this.db.prepare("INSERT OR IGNORE INTO deleted_data_source (key) VALUES (?)").run(key);
      return true;
    });
    if (deleted) this.keys.delete(id); // only once committed
    return deleted;
  }

  async credentials(): Promise<DeviceCredential[]> {
    return this.credentialRows("", []);
  }

  async credential(id: string): Promise<DeviceCredential | undefined> {
    return this.credentialRows("WHERE d.id = ?", [id])[0];
  }

  private credentialRows(where: string, values: unknown[]): DeviceCredential[] {
    const rows = this.db
      .prepare(
        `SELECT d.id, d.enabled, u.password_hash, u.salt FROM data_source d
         JOIN data_source_mqtt_user u ON u.username = d.id ${where}`,
      )
      .all(...values) as { id: string; enabled: number; password_hash: string; salt: string }[];
    return rows.map((r) => ({
      dataSourceId: r.id,
      enabled: r.enabled === 1,
      password: { hash: r.password_hash, salt: r.salt },
    }));
  }

  async counters(id: string): Promise<IngestCounters | undefined> {
    const row = this.db
      .prepare(
        `SELECT messages_accepted, messages_rejected, values_accepted, values_rejected, last_message_at
         FROM data_source WHERE id = ?`,
      )
      .get(id) as
      | {
          messages_accepted: number;
          messages_rejected: number;
          values_accepted: number;
          values_rejected: number;
          last_message_at: number | null;
        }
      | undefined;
    if (!row) return undefined;
    return {
      messagesAccepted: row.messages_accepted,
      messagesRejected: row.messages_rejected,
      valuesAccepted: row.values_accepted,
      valuesRejected: row.values_rejected,
      lastMessageAt: row.last_message_at,
    };
  }
}
