import type { OutboundDataNeed } from "../../domain/data-need.ts";
import type { ProblemDetail } from "../../domain/hub-error.ts";
import type { SharedDataSource } from "../../domain/outbound-record.ts";
import { isPermissionStatus, type PermissionStatus } from "../../domain/permission-status.ts";
import type { SecretBox } from "../../platform/secret-box.ts";
import type {
  BrokerCredentials,
  BrokerEndpoint,
  NewPermission,
  PermissionChange,
  PermissionFilter,
  PermissionStep,
  PermissionStore,
  StoredPermission,
} from "../ports.ts";
import { inTransaction, type PgClient, type PgPool } from "./pg-pool.ts";

interface PermissionRow {
  permission_id: string;
  owner: string;
  eddie_id: string;
  status: string;
  handshake_url: string;
  added_at: Date;
  updated_at: Date;
  connection_id: string | null;
  data_need_id: string | null;
  meter_id: string | null;
  start_time: Date | null;
  expiration_time: Date | null;
  data_need: string | null;
  problems: string | null;
  status_reason: string | null;
  grant_time: Date | null;
  revoke_time: Date | null;
  data_source_id: string | null;
  data_source: string | null;
  transmission_enabled: boolean;
  transmission_schedule: string | null;
  next_step: string | null;
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
}

interface EndpointRow {
  server_uri: string | null;
  broker_url: string | null;
  username: string | null;
  data_topic: string | null;
  status_topic: string | null;
  command_topic: string | null;
  acknowledgement_topic: string | null;
}

// Every column but the secrets (access_token, password): those are read by their own queries only.
const SELECT = `SELECT p.permission_id, p.owner, p.eddie_id, p.status, p.handshake_url, p.added_at, p.updated_at,
    p.connection_id, p.data_need_id, p.meter_id, p.start_time, p.expiration_time, p.data_need, p.problems,
    p.status_reason, p.grant_time, p.revoke_time, p.data_source_id, p.data_source, p.transmission_enabled,
    p.transmission_schedule, p.next_step, p.attempts, p.next_attempt_at, p.last_error,
    c.server_uri, c.broker_url, c.username, c.data_topic, c.status_topic, c.command_topic, c.acknowledgement_topic
  FROM permission p LEFT JOIN permission_mqtt_credentials c ON c.permission_id = p.permission_id`;

/** Epoch ms as timestamptz: a Date carries the milliseconds exactly. */
const toTime = (ms: number | null | undefined): Date | null =>
  ms === null || ms === undefined ? null : new Date(ms);
const fromTime = (at: Date | null): number | null => (at === null ? null : at.getTime());

function parseJson<T>(text: string | null, fallback: T): T {
  return text === null ? fallback : (JSON.parse(text) as T);
}

function toEndpoint(row: EndpointRow): BrokerEndpoint | null {
  if (row.server_uri === null) return null;
  return {
    serverUri: row.server_uri,
    brokerUrl: row.broker_url ?? "",
    username: row.username ?? "",
    dataTopic: row.data_topic ?? "",
    statusTopic: row.status_topic ?? "",
    commandTopic: row.command_topic ?? "",
    acknowledgementTopic: row.acknowledgement_topic,
  };
}

function toPermission(row: PermissionRow & EndpointRow): StoredPermission {
  if (!isPermissionStatus(row.status)) {
    throw new Error(`permission ${row.permission_id} has the unknown status ${JSON.stringify(row.status)}`);
  }
  return {
    permissionId: row.permission_id,
    owner: row.owner,
    eddieId: row.eddie_id,
    status: row.status,
    handshakeUrl: row.handshake_url,
    addedAt: row.added_at.getTime(),
    updatedAt: row.updated_at.getTime(),
    connectionId: row.connection_id,
    dataNeedId: row.data_need_id,
    meterId: row.meter_id,
    startTime: fromTime(row.start_time),
    expirationTime: fromTime(row.expiration_time),
    dataNeed: parseJson<OutboundDataNeed | null>(row.data_need, null),
    problems: parseJson<ProblemDetail[]>(row.problems, []),
    statusReason: row.status_reason,
    grantTime: fromTime(row.grant_time),
    revokeTime: fromTime(row.revoke_time),
    dataSourceId: row.data_source_id,
    dataSource: parseJson<SharedDataSource | null>(row.data_source, null),
    transmissionEnabled: row.transmission_enabled,
    transmissionSchedule: row.transmission_schedule,
    step:
      row.next_step === null
        ? null
        : {
            name: row.next_step as PermissionStep,
            attempts: row.attempts,
            nextAttemptAt: fromTime(row.next_attempt_at) ?? 0,
          },
    lastError: row.last_error,
    broker: toEndpoint(row),
  };
}

/** Column and stored form of each field a change may set (a step sets three columns). */
const CHANGE_COLUMNS: {
  readonly [K in keyof PermissionChange]-?: (value: PermissionChange[K]) => Record<string, unknown>;
} = {
  status: (v) => ({ status: v }),
  connectionId: (v) => ({ connection_id: v }),
  dataNeedId: (v) => ({ data_need_id: v }),
  meterId: (v) => ({ meter_id: v }),
  startTime: (v) => ({ start_time: toTime(v) }),
  expirationTime: (v) => ({ expiration_time: toTime(v) }),
  dataNeed: (v) => ({ data_need: v === null ? null : JSON.stringify(v) }),
  problems: (v) => ({ problems: v === undefined || v.length === 0 ? null : JSON.stringify(v) }),
  statusReason: (v) => ({ status_reason: v }),
  grantTime: (v) => ({ grant_time: toTime(v) }),
  revokeTime: (v) => ({ revoke_time: toTime(v) }),
  dataSourceId: (v) => ({ data_source_id: v }),
  dataSource: (v) => ({ data_source: v === null ? null : JSON.stringify(v) }),
  transmissionEnabled: (v) => ({ transmission_enabled: v }),
  transmissionSchedule: (v) => ({ transmission_schedule: v }),
  step: (v) =>
    v === null || v === undefined
      ? { next_step: null, attempts: 0, next_attempt_at: null }
      : { next_step: v.name, attempts: v.attempts, next_attempt_at: toTime(v.nextAttemptAt) },
  lastError: (v) => ({ last_error: v }),
};

function columnsOf(change: PermissionChange): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(change)) {
    if (value === undefined) continue;
    const toColumns = CHANGE_COLUMNS[key as keyof PermissionChange] as (
      v: unknown,
    ) => Record<string, unknown>;
    Object.assign(columns, toColumns(value));
  }
  return columns;
}

/** SQLite reads a negative LIMIT as "no limit"; PostgreSQL refuses it, and reads NULL so. */
const sqlLimit = (limit: number): number | null => (limit < 0 ? null : limit);

/** What a sealed secret is bound to: a sealed value moved to another row or column does not open. */
const tokenContext = (id: string) => `permission/${id}/accessToken`;
const passwordContext = (id: string) => `permission/${id}/brokerPassword`;

/** Permissions, their access tokens and EDDIE broker credentials in PostgreSQL; secrets sealed with `secrets`. */
export class PgPermissionStore implements PermissionStore {
  constructor(
    private readonly pool: PgPool,
    private readonly secrets: SecretBox | undefined,
  ) {}

  private box(): SecretBox {
    if (this.secrets === undefined) throw new Error("this storage was opened without the secret key");
    return this.secrets;
  }

  async existing(ids: readonly string[]): Promise<string[]> {
    const { rows } = await this.pool.query<{ permission_id: string }>(
      "SELECT permission_id FROM permission WHERE permission_id = ANY($1::text[])",
      [ids],
    );
    const stored = new Set(rows.map((row) => row.permission_id));
    return ids.filter((id) => stored.has(id));
  }

  async add(permissions: readonly NewPermission[]): Promise<void> {
    const box = this.box();
    await inTransaction(this.pool, async (client) => {
      for (const p of permissions) {
        await client.query(
          `INSERT INTO permission (permission_id, owner, eddie_id, status, handshake_url, access_token, added_at,
             updated_at, next_step, attempts, next_attempt_at) VALUES ($1, $2, $3, 'CREATED', $4, $5, $6, $6, $7, $8, $9)`,
          [
            p.permissionId,
            p.owner,
            p.eddieId,
            p.handshakeUrl,
            box.seal(p.accessToken, tokenContext(p.permissionId)),
            toTime(p.addedAt),
            p.step.name,
            p.step.attempts,
            toTime(p.step.nextAttemptAt),
          ],
        );
      }
    });
  }

  async get(id: string): Promise<StoredPermission | undefined> {
    const { rows } = await this.pool.query(`${SELECT} WHERE p.permission_id = $1`, [id]);
    return rows[0] === undefined ? undefined : toPermission(rows[0]);
  }

  async list(filter: PermissionFilter): Promise<StoredPermission[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.owner !== undefined) {
      values.push(filter.owner);
      where.push(`p.owner = $${values.length}`);
    }
    if (filter.statuses !== undefined) {
      values.push(filter.statuses);
      where.push(`p.status = ANY($${values.length}::text[])`);
    }
    if (filter.dataSourceId !== undefined) {
      values.push(filter.dataSourceId);
      where.push(`p.data_source_id = $${values.length}`);
    }
    const clause = where.length === 0 ? "" : ` WHERE ${where.join(" AND ")}`;
    const { rows } = await this.pool.query(
      `${SELECT}${clause} ORDER BY p.added_at DESC, p.added_order DESC`,
      values,
    );
    return rows.map(toPermission);
  }

  update(id: string, expected: PermissionStatus, change: PermissionChange, now: number): Promise<boolean> {
    return this.updateOn(this.pool, id, expected, change, now);
  }

  /** One conditional UPDATE: it writes nothing when the status is no longer `expected`. */
  private async updateOn(
    db: PgPool | PgClient,
    id: string,
    expected: PermissionStatus,
    change: PermissionChange,
    now: number,
  ): Promise<boolean> {
    const columns = { ...columnsOf(change), updated_at: toTime(now) };
    const names = Object.keys(columns);
    const set = names.map((name, i) => `${name} = $${i + 3}`).join(", ");
    const result = await db.query(`UPDATE permission SET ${set} WHERE permission_id = $1 AND status = $2`, [
      id,
      expected,
      ...Object.values(columns),
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async storeCredentials(
    id: string,
    expected: PermissionStatus,
    credentials: BrokerCredentials,
    change: PermissionChange,
    now: number,
  ): Promise<boolean> {
    const sealed = this.box().seal(credentials.password, passwordContext(id));
    return inTransaction(this.pool, async (client) => {
      if (!(await this.updateOn(client, id, expected, change, now))) return false;
      await client.query(
        `INSERT INTO permission_mqtt_credentials (permission_id, server_uri, broker_url, username, password,
           data_topic, status_topic, command_topic, acknowledgement_topic, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (permission_id) DO UPDATE SET server_uri = excluded.server_uri,
           broker_url = excluded.broker_url, username = excluded.username, password = excluded.password,
           data_topic = excluded.data_topic, status_topic = excluded.status_topic,
           command_topic = excluded.command_topic, acknowledgement_topic = excluded.acknowledgement_topic,
           received_at = excluded.received_at`,
        [
          id,
          credentials.serverUri,
          credentials.brokerUrl,
          credentials.username,
          sealed,
          credentials.dataTopic,
          credentials.statusTopic,
          credentials.commandTopic,
          credentials.acknowledgementTopic,
          toTime(now),
        ],
      );
      return true;
    });
  }

  async accessToken(id: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ access_token: Buffer }>(
      "SELECT access_token FROM permission WHERE permission_id = $1",
      [id],
    );
    const sealed = rows[0]?.access_token;
    return sealed === undefined ? undefined : this.box().open(sealed, tokenContext(id));
  }

  async credentials(id: string): Promise<BrokerCredentials | undefined> {
    const { rows } = await this.pool.query<EndpointRow & { password: Buffer }>(
      `SELECT server_uri, broker_url, username, password, data_topic, status_topic, command_topic,
         acknowledgement_topic FROM permission_mqtt_credentials WHERE permission_id = $1`,
      [id],
    );
    const row = rows[0];
    const endpoint = row === undefined ? null : toEndpoint(row);
    if (row === undefined || endpoint === null) return undefined;
    return { ...endpoint, password: this.box().open(row.password, passwordContext(id)) };
  }

  async deleteIn(id: string, statuses: readonly PermissionStatus[]): Promise<boolean> {
    const result = await this.pool.query(
      "DELETE FROM permission WHERE permission_id = $1 AND status = ANY($2::text[])",
      [id, statuses],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async dueSteps(now: number, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ permission_id: string }>(
      `SELECT permission_id FROM permission WHERE next_step IS NOT NULL AND next_attempt_at <= $1
       ORDER BY next_attempt_at, added_order LIMIT $2`,
      [toTime(now), sqlLimit(limit)],
    );
    return rows.map((row) => row.permission_id);
  }

  async nextStepAt(): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ at: Date | null }>(
      "SELECT min(next_attempt_at) AS at FROM permission WHERE next_step IS NOT NULL",
    );
    return fromTime(rows[0]?.at ?? null) ?? undefined;
  }

  async claimStep(id: string, step: PermissionStep, now: number, until: number): Promise<boolean> {
    const claimed = await this.pool.query(
      `UPDATE permission SET next_attempt_at = $4
       WHERE permission_id = $1 AND next_step = $2 AND next_attempt_at <= $3`,
      [id, step, toTime(now), toTime(until)],
    );
    return claimed.rowCount === 1;
  }

  async releaseStep(id: string, step: PermissionStep, claimedUntil: number, at: number): Promise<void> {
    await this.pool.query(
      `UPDATE permission SET next_attempt_at = $4
       WHERE permission_id = $1 AND next_step = $2 AND next_attempt_at = $3`,
      [id, step, toTime(claimedUntil), toTime(at)],
    );
  }
}
