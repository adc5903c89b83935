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
import { announceDataSourceChange } from "./data-source-changes.ts";
import { inTransaction, type PgPool } from "./pg-pool.ts";
import { inRequest } from "./request-errors.ts";

interface DataSourceRow {
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
  enabled: boolean;
  owner: string;
  created_at: Date;
  updated_at: Date;
}

/** The columns a DataSource is read from. */
const SOURCE_COLUMNS = `id, name, type, asset, role, country_code, icon, meter_id, operator_id, plausibility,
  enabled, owner, created_at, updated_at`;

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
    enabled: row.enabled,
    owner: row.owner,
    createdAt: row.created_at.getTime(),
    updatedAt: row.updated_at.getTime(),
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

/** The plausibility column: the overrides as JSON, NULL for the defaults (as the SQLite store keeps it). */
function plausibilityColumn(overrides: PlausibilityOverrides | null): string | null {
  return overrides === null ? null : JSON.stringify(overrides);
}

/** The patch's set fields as column and value; a field no column holds is refused before anything is written. */
function patchColumns(patch: DataSourcePatch): [string, unknown][] {
  const columns: [string, unknown][] = [];
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(COLUMNS, field))
      throw new TypeError(`a data source has no field "${field}" to change`);
    const column = COLUMNS[field as keyof DataSourcePatch];
    columns.push([
      column,
      field === "plausibility" ? plausibilityColumn(value as PlausibilityOverrides) : value,
    ]);
  }
  return columns;
}

interface CounterRow {
  messages_accepted: number | null;
  messages_rejected: number | null;
  values_accepted: number | null;
  values_rejected: number | null;
  last_message_at: Date | null;
}

/** Data sources, their device credentials and ACL rows (read by EMQX too), and their ingest counters in PostgreSQL. */
export class PgDataSourceStore implements DataSourceStore {
  constructor(private readonly pool: PgPool) {}

  create(source: DataSource, password: DevicePasswordHash): Promise<void> {
    return inRequest(async () => {
      await inTransaction(this.pool, async (client) => {
        const inserted = await client.query<{ key: number }>(
          `INSERT INTO data_source (id, name, type, asset, role, country_code, icon, meter_id, operator_id,
             plausibility, enabled, owner, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING key`,
          [
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
            source.enabled,
            source.owner,
            new Date(source.createdAt),
            new Date(source.updatedAt),
          ],
        );
        await client.query(
          "INSERT INTO data_source_mqtt_user (username, password_hash, salt) VALUES ($1, $2, $3)",
          [source.id, password.hash, password.salt],
        );
        await client.query(
          `INSERT INTO data_source_mqtt_acl (username, action, permission, topic)
           VALUES ($1, 'publish', 'allow', $2), ($1, 'subscribe', 'allow', $3)`,
          [source.id, dataTopic(source.id), feedbackTopic(source.id)],
        );
        await client.query("INSERT INTO ingest_counter (data_source_key) VALUES ($1)", [
          inserted.rows[0]?.key,
        ]);
        await announceDataSourceChange(client, source.id);
      });
    });
  }

  get(id: string): Promise<DataSource | undefined> {
    return inRequest(async () => {
      const result = await this.pool.query<DataSourceRow>(
        `SELECT ${SOURCE_COLUMNS} FROM data_source WHERE id = $1`,
        [id],
      );
      const row = result.rows[0];
      return row ? toDataSource(row) : undefined;
    });
  }

  list(): Promise<DataSource[]> {
    return inRequest(async () => {
      const result = await this.pool.query<DataSourceRow>(
        `SELECT ${SOURCE_COLUMNS} FROM data_source ORDER BY created_at, key`,
      );
      return result.rows.map(toDataSource);
    });
  }

  update(id: string, patch: DataSourcePatch, now: number): Promise<DataSource | undefined> {
    return inRequest(async () => {
      const columns = patchColumns(patch);
      const sets = [
        ...columns.map(([column], i) => `${column} = $${i + 1}`),
        `updated_at = $${columns.length + 1}`,
      ];
      return inTransaction(this.pool, async (client) => {
        // RETURNING: the answer is the row as this update left it (locked until commit), not as a later writer did.
        const result = await client.query<DataSourceRow>(
          `UPDATE data_source SET ${sets.join(", ")} WHERE id = $${columns.length + 2} RETURNING ${SOURCE_COLUMNS}`,
          [...columns.map(([, value]) => value), new Date(now), id],
        );
        const row = result.rows[0];
        if (!row) return undefined;
        await announceDataSourceChange(client, id);
        return toDataSource(row);
      });
    });
  }

  setPassword(id: string, password: DevicePasswordHash, now: number): Promise<boolean> {
    return inRequest(async () => {
      return inTransaction(this.pool, async (client) => {
        const changed = await client.query(
          "UPDATE data_source_mqtt_user SET password_hash = $1, salt = $2 WHERE username = $3",
          [password.hash, password.salt, id],
        );
        await client.query("UPDATE data_source SET updated_at = $1 WHERE id = $2", [new Date(now), id]);
        if ((changed.rowCount ?? 0) === 0) return false;
        // Other instances disconnect the device still holding the old password.
        await announceDataSourceChange(client, id);
        return true;
      });
    });
  }

  delete(id: string): Promise<boolean> {
    return inRequest(async () => {
      return inTransaction(this.pool, async (client) => {
        // Its credentials, ACL rows, counters and device sessions go with it (ON DELETE CASCADE).
        const deleted = await client.query<{ key: number }>(
          "DELETE FROM data_source WHERE id = $1 RETURNING key",
          [id],
        );
        const key = deleted.rows[0]?.key;
        if (key === undefined) return false;
        await client.query("DELETE FROM feedback_report WHERE data_source_key = $1", [key]);
        // Records can be millions of rows: the retention job purges them in batches.
        await client.query("INSERT INTO deleted_data_source (key) VALUES ($1) ON CONFLICT DO NOTHING", [key]);
        await announceDataSourceChange(client, id);
        return true;
      });
    });
  }

  credentials(): Promise<DeviceCredential[]> {
    return this.credentialRows("", []);
  }

  async credential(id: string): Promise<DeviceCredential | undefined> {
    return (await this.credentialRows("WHERE d.id = $1", [id]))[0];
  }

  private credentialRows(where: string, values: unknown[]): Promise<DeviceCredential[]> {
    return inRequest(async () => {
      const result = await this.pool.query<{
        id: string;
        enabled: boolean;
        password_hash: string;
        salt: string;
      }>(
        `SELECT d.id, d.enabled, u.password_hash, u.salt FROM data_source d
         JOIN data_source_mqtt_user u ON u.username = d.id ${where} ORDER BY d.key`,
        values,
      );
      return result.rows.map((r) => ({
        dataSourceId: r.id,
        enabled: r.enabled,
        password: { hash: r.password_hash, salt: r.salt },
      }));
    });
  }

  counters(id: string): Promise<IngestCounters | undefined> {
    return inRequest(async () => {
      // LEFT JOIN: a data source whose counter row is missing has counted nothing yet.
      const result = await this.pool.query<CounterRow>(
        `SELECT c.messages_accepted, c.messages_rejected, c.values_accepted, c.values_rejected, c.last_message_at
         FROM data_source d LEFT JOIN ingest_counter c ON c.data_source_key = d.key WHERE d.id = $1`,
        [id],
      );
      const row = result.rows[0];
      if (!row) return undefined;
      return {
        messagesAccepted: row.messages_accepted ?? 0,
        messagesRejected: row.messages_rejected ?? 0,
        valuesAccepted: row.values_accepted ?? 0,
        valuesRejected: row.values_rejected ?? 0,
        lastMessageAt: row.last_message_at === null ? null : row.last_message_at.getTime(),
      };
    });
  }
}
