import { createHash } from "node:crypto";
import { clip } from "../../platform/logger.ts";
import type { DeviceSessionRecord, DeviceSessionStore, QueuedFeedback } from "../ports.ts";
import { inTransaction, type PgPool } from "./pg-pool.ts";

interface SessionRow {
  client_id: string;
  data_source_id: string;
  feedback_qos: 0 | 1 | 2 | null;
  expires_at: Date | null;
}

/** Client ids come from the network (up to 65,535 bytes): an error names only their start. */
const shown = (clientId: string) => JSON.stringify(clip(clientId, 128));

/** A session's key: the SHA-256 of its client id (see schema-sharing.ts). */
const keyOf = (clientId: string): Buffer => createHash("sha256").update(clientId, "utf8").digest();

function toSession(row: SessionRow): DeviceSessionRecord {
  return {
    clientId: row.client_id,
    dataSourceId: row.data_source_id,
    feedbackQos: row.feedback_qos,
    expiresAt: row.expires_at === null ? null : row.expires_at.getTime(),
  };
}

/**
 * Persistent device sessions and their queued feedback in PostgreSQL. Ending a data source ends its
 * sessions by the foreign key's cascade. Every method is one statement or one transaction.
 */
export class PgDeviceSessionStore implements DeviceSessionStore {
  constructor(private readonly pool: PgPool) {}

  async all(): Promise<DeviceSessionRecord[]> {
    const { rows } = await this.pool.query<SessionRow>(
      "SELECT client_id, data_source_id, feedback_qos, expires_at FROM device_session",
    );
    return rows.map(toSession);
  }

  async save(session: DeviceSessionRecord): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      // Checked here rather than left to the foreign key, whose error would not say which key failed;
      // KEY SHARE keeps the data source from being deleted until this commits.
      const source = await client.query("SELECT 1 FROM data_source WHERE id = $1 FOR KEY SHARE", [
        session.dataSourceId,
      ]);
      if (source.rowCount === 0) {
        throw new Error(
          `The session of client id ${shown(session.clientId)} was not saved: data source ${JSON.stringify(session.dataSourceId)} does not exist.`,
        );
      }
      const previous = await client.query<{ data_source_id: string }>(
        "SELECT data_source_id FROM device_session WHERE client_key = $1 FOR UPDATE",
        [keyOf(session.clientId)],
      );
      const previousSource = previous.rows[0]?.data_source_id;
      // Feedback queued for another data source must never reach this one's device.
      if (previousSource !== undefined && previousSource !== session.dataSourceId) {
        await client.query("DELETE FROM device_session_feedback WHERE client_key = $1", [
          keyOf(session.clientId),
        ]);
      }
      // An upsert, not delete and insert: a deleted row would take its queued feedback with it (cascade).
      await client.query(
        `INSERT INTO device_session (client_key, client_id, data_source_id, feedback_qos, expires_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (client_key) DO UPDATE SET data_source_id = excluded.data_source_id,
           feedback_qos = excluded.feedback_qos, expires_at = excluded.expires_at`,
        [
          keyOf(session.clientId),
          session.clientId,
          session.dataSourceId,
          session.feedbackQos,
          session.expiresAt === null ? null : new Date(session.expiresAt),
        ],
      );
    });
  }

  async remove(clientId: string): Promise<void> {
    // One statement is its own transaction; the cascade drops the queued feedback with it.
    await this.pool.query("DELETE FROM device_session WHERE client_key = $1", [keyOf(clientId)]);
  }

  async removeExpired(now: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ client_id: string }>(
      "DELETE FROM device_session WHERE expires_at IS NOT NULL AND expires_at <= $1 RETURNING client_id",
      [new Date(now)],
    );
    return rows.map((row) => row.client_id);
  }

  async enqueue(clientId: string, payloads: readonly Buffer[], maxPerDataSource: number): Promise<number> {
    if (!Number.isSafeInteger(maxPerDataSource) || maxPerDataSource < 0) {
      throw new RangeError(`maxPerDataSource must be a whole number ≥ 0, not ${maxPerDataSource}`);
    }
    return inTransaction(this.pool, async (client) => {
      // SHARE: the session cannot move to another data source while its feedback is queued.
      const session = await client.query<{ data_source_id: string }>(
        "SELECT data_source_id FROM device_session WHERE client_key = $1 FOR SHARE",
        [keyOf(clientId)],
      );
      const dataSourceId = session.rows[0]?.data_source_id;
      if (dataSourceId === undefined) {
        throw new Error(`No feedback was queued: client id ${shown(clientId)} has no kept session.`);
      }
      // One enqueue per data source at a time, so that two at once cannot both keep the bound's worth.
      await client.query("SELECT 1 FROM data_source WHERE id = $1 FOR NO KEY UPDATE", [dataSourceId]);
      if (payloads.length > 0) {
        await client.query(
          `INSERT INTO device_session_feedback (client_key, payload, queued_at)
           SELECT $1, payload, $3 FROM unnest($2::bytea[]) WITH ORDINALITY AS q(payload, n) ORDER BY n`,
          [keyOf(clientId), payloads, new Date()],
        );
      }
      // Everything of the data source's sessions but its newest `maxPerDataSource` reports, oldest first.
      const dropped = await client.query(
        `DELETE FROM device_session_feedback WHERE id IN (
           SELECT f.id FROM device_session_feedback f JOIN device_session s ON s.client_key = f.client_key
           WHERE s.data_source_id = $1 ORDER BY f.id DESC OFFSET $2)`,
        [dataSourceId, maxPerDataSource],
      );
      return dropped.rowCount ?? 0;
    });
  }

  async queued(clientId: string): Promise<QueuedFeedback[]> {
    const { rows } = await this.pool.query<{ id: number; payload: Buffer }>(
      "SELECT id, payload FROM device_session_feedback WHERE client_key = $1 ORDER BY id",
      [keyOf(clientId)],
    );
    return rows.map((row) => ({ id: row.id, payload: row.payload }));
  }

  async delivered(clientId: string, ids: readonly number[]): Promise<void> {
    // An id that is no whole number names no report, as in SQLite; bigint[] would refuse it.
    const wanted = ids.filter(Number.isSafeInteger);
    if (wanted.length === 0) return;
    await this.pool.query(
      "DELETE FROM device_session_feedback WHERE client_key = $1 AND id = ANY($2::bigint[])",
      [keyOf(clientId), wanted],
    );
  }
}
