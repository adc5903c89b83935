import type Database from "better-sqlite3";
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
import { inWriteTransaction } from "./write-transaction.ts";

interface PermissionRow {
  permission_id: string;
  owner: string;
  eddie_id: string;
  status: string;
  handshake_url: string;
  added_at: number;
  updated_at: number;
  connection_id: string | null;
  data_need_id: string | null;
  meter_id: string | null;
  start_time: number | null;
  expiration_time: number | null;
  data_need: string | null;
  problems: string | null;
  status_reason: string | null;
  grant_time: number | null;
  revoke_time: number | null;
  data_source_id: string | null;
  data_source: string | null;
  transmission_enabled: number;
  transmission_schedule: string | null;
  next_step: string | null;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
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

function parseJson<T>(text: string | null, fallback: T): T {
  return text === null ? fallback : (JSON.parse(text) as T);
}

function toEndpoint(row: PermissionRow): BrokerEndpoint | null {
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

function toPermission(row: PermissionRow): StoredPermission {
  if (!isPermissionStatus(row.status)) {
    throw new Error(`permission ${row.permission_id} has the unknown status ${JSON.stringify(row.status)}`);
  }
  return {
    permissionId: row.permission_id,
    owner: row.owner,
    eddieId: row.eddie_id,
    status: row.status,
    handshakeUrl: row.handshake_url,
    addedAt: row.added_at,
    updatedAt: row.updated_at,
    connectionId: row.connection_id,
    dataNeedId: row.data_need_id,
    meterId: row.meter_id,
    startTime: row.start_time,
    expirationTime: row.expiration_time,
    dataNeed: parseJson<OutboundDataNeed | null>(row.data_need, null),
    problems: parseJson<ProblemDetail[]>(row.problems, []),
    statusReason: row.status_reason,
    grantTime: row.grant_time,
    revokeTime: row.revoke_time,
    dataSourceId: row.data_source_id,
    dataSource: parseJson<SharedDataSource | null>(row.data_source, null),
    transmissionEnabled: row.transmission_enabled === 1,
    transmissionSchedule: row.transmission_schedule,
    step:
      row.next_step === null
        ? null
        : {
            name: row.next_step as PermissionStep,
            attempts: row.attempts,
            nextAttemptAt: row.next_attempt_at ?? 0,
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
  startTime: (v) => ({ start_time: v }),
  expirationTime: (v) => ({ expiration_time: v }),
  dataNeed: (v) => ({ data_need: v === null ? null : JSON.stringify(v) }),
  problems: (v) => ({ problems: v === undefined || v.length === 0 ? null : JSON.stringify(v) }),
  statusReason: (v) => ({ status_reason: v }),
  grantTime: (v) => ({ grant_time: v }),
  revokeTime: (v) => ({ revoke_time: v }),
  dataSourceId: (v) => ({ data_source_id: v }),
  dataSource: (v) => ({ data_source: v === null ? null : JSON.stringify(v) }),
  transmissionEnabled: (v) => ({ transmission_enabled: v ? 1 : 0 }),
  transmissionSchedule: (v) => ({ transmission_schedule: v }),
  step: (v) =>
    v === null || v === undefined
      ? { next_step: null, attempts: 0, next_attempt_at: null }
      : { next_step: v.name, attempts: v.attempts, next_attempt_at: v.nextAttemptAt },
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

/** What a sealed secret is bound to: a sealed value moved to another row or column does not open. */
const tokenContext = (id: string) => `permission/${id}/accessToken`;
const passwordContext = (id: string) => `permission/${id}/brokerPassword`;

/** Permissions, their access tokens and EDDIE broker credentials in SQLite; secrets sealed with `secrets`. */
export class SqlitePermissionStore implements PermissionStore {
  constructor(
    private readonly db: Database.Database,
    private readonly secrets: SecretBox | undefined,
  ) {}

  private box(): SecretBox {
    if (this.secrets === undefined) throw new Error("this storage was opened without the secret key");
    return this.secrets;
  }

  async existing(ids: readonly string[]): Promise<string[]> {
    const find = this.db.prepare("SELECT 1 FROM permission WHERE permission_id = ?").pluck();
    return ids.filter((id) => find.get(id) !== undefined);
  }

  async add(permissions: readonly NewPermission[]): Promise<void> {
    const box = this.box();
    const insert = this.db.prepare(
      `INSERT INTO permission (permission_id, owner, eddie_id, status, handshake_url, access_token, added_at,
         updated_at, next_step, attempts, next_attempt_at) VALUES (?, ?, ?, 'CREATED', ?, ?, ?, ?, ?, ?, ?)`,
    );
    inWriteTransaction(this.db, () => {
      for (const p of permissions) {
        insert.run(
          p.permissionId,
          p.owner,
          p.eddieId,
          p.handshakeUrl,
          box.seal(p.accessToken, tokenContext(p.permissionId)),
          p.addedAt,
          p.addedAt,
          p.step.name,
          p.step.attempts,
          p.step.nextAttemptAt,
        );
      }
    });
  }

  async get(id: string): Promise<StoredPermission | undefined> {
    const row = this.db.prepare(`${SELECT} WHERE p.permission_id = ?`).get(id) as PermissionRow | undefined;
    return row === undefined ? undefined : toPermission(row);
  }

  async list(filter: PermissionFilter): Promise<StoredPermission[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.owner !== undefined) {
      where.push("p.owner = ?");
      values.push(filter.owner);
    }
    if (filter.statuses !== undefined) {
      where.push(`p.status IN (${filter.statuses.map(() => "?").join(", ") || "NULL"})`);
      values.push(...filter.statuses);
    }
    if (filter.dataSourceId !== undefined) {
      where.push("p.data_source_id = ?");
      values.push(filter.dataSourceId);
    }
    const clause = where.length === 0 ? "" : ` WHERE ${where.join(" AND ")}`;
    const rows = this.db
      .prepare(`${SELECT}${clause} ORDER BY p.added_at DESC, p.rowid DESC`)
      .all(...values) as PermissionRow[];
    return rows.map(toPermission);
  }

  async update(
    id: string,
    expected: PermissionStatus,
    change: PermissionChange,
    now: number,
  ): Promise<boolean> {
    return this.updateRow(id, expected, change, now);
  }

  /** The conditional update, synchronous so that storeCredentials can run it inside its transaction. */
  private updateRow(id: string, expected: PermissionStatus, change: PermissionChange, now: number): boolean {
    const columns = { ...columnsOf(change), updated_at: now };
    const names = Object.keys(columns);
    const info = this.db
      .prepare(
        `UPDATE permission SET ${names.map((n) => `${n} = ?`).join(", ")} WHERE permission_id = ? AND status = ?`,
      )
      .run(...Object.values(columns), id, expected);
    return info.changes > 0;
  }

  async storeCredentials(
    id: string,
    expected: PermissionStatus,
    credentials: BrokerCredentials,
    change: PermissionChange,
    now: number,
  ): Promise<boolean> {
    const sealed = this.box().seal(credentials.password, passwordContext(id));
    return inWriteTransaction(this.db, () => {
      if (!this.updateRow(id, expected, change, now)) return false;
      this.db
        .prepare(
          `INSERT INTO permission_mqtt_credentials (permission_id, server_uri, broker_url, username, password,
             data_topic, status_topic, command_topic, acknowledgement_topic, received_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (permission_id) DO UPDATE SET server_uri = excluded.server_uri,
             broker_url = excluded.broker_url, username = excluded.username, password = excluded.password,
             data_topic = excluded.data_topic, status_topic = excluded.status_topic,
             command_topic = excluded.command_topic, acknowledgement_topic = excluded.acknowledgement_topic,
             received_at = excluded.received_at`,
        )
        .run(
          id,
          credentials.serverUri,
          credentials.brokerUrl,
          credentials.username,
          sealed,
          credentials.dataTopic,
          credentials.statusTopic,
          credentials.commandTopic,
          credentials.acknowledgementTopic,
          now,
        );
      return true;
    });
  }

  async accessToken(id: string): Promise<string | undefined> {
    const sealed = this.db
      .prepare("SELECT access_token FROM permission WHERE permission_id = ?")
      .pluck()
      .get(id) as Buffer | undefined;
    return sealed === undefined ? undefined : this.box().open(sealed, tokenContext(id));
  }

  async credentials(id: string): Promise<BrokerCredentials | undefined> {
    const row = this.db
      .prepare(
        `SELECT server_uri, broker_url, username, password, data_topic, status_topic, command_topic,
           acknowledgement_topic FROM permission_mqtt_credentials WHERE permission_id = ?`,
      )
      .get(id) as (PermissionRow & { password: Buffer }) | undefined;
    const endpoint = row === undefined ? null : toEndpoint(row);
    if (row === undefined || endpoint === null) return undefined;
    return { ...endpoint, password: this.box().open(row.password, passwordContext(id)) };
  }

  async deleteIn(id: string, statuses: readonly PermissionStatus[]): Promise<boolean> {
    const info = this.db
      .prepare(
        `DELETE FROM permission WHERE permission_id = ? AND status IN (${statuses.map(() => "?").join(", ") || "NULL"})`,
      )
      .run(id, ...statuses);
    return info.changes > 0;
  }

  async dueSteps(now: number, limit: number): Promise<string[]> {
    return this.db
      .prepare(
        `SELECT permission_id FROM permission WHERE next_step IS NOT NULL AND next_attempt_at <= ?
         ORDER BY next_attempt_at LIMIT ?`,
      )
      .pluck()
      .all(now, limit) as string[];
  }

  async nextStepAt(): Promise<number | undefined> {
    const at = this.db
      .prepare("SELECT min(next_attempt_at) FROM permission WHERE next_step IS NOT NULL")
      .pluck()
      .get() as number | null;
    return at ?? undefined;
  }

  async claimStep(id: string, step: PermissionStep, now: number, until: number): Promise<boolean> {
    const claimed = this.db
      .prepare(
        `UPDATE permission SET next_attempt_at = ?
         WHERE permission_id = ? AND next_step = ? AND next_attempt_at <= ?`,
      )
      .run(until, id, step, now);
    return claimed.changes === 1;
  }

  async releaseStep(id: string, step: PermissionStep, claimedUntil: number, at: number): Promise<void> {
    this.db
      .prepare(
        `UPDATE permission SET next_attempt_at = ?
         WHERE permission_id = ? AND next_step = ? AND next_attempt_at = ?`,
      )
      .run(at, id, step, claimedUntil);
  }
}
