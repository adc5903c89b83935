import type Database from "better-sqlite3";
import { clip } from "../../platform/logger.ts";
import type { DeviceSessionRecord, DeviceSessionStore, QueuedFeedback } from "../ports.ts";
import { inWriteTransaction } from "./write-transaction.ts";

interface SessionRow {
  client_id: string;
  data_source_id: string;
  feedback_qos: 0 | 1 | 2 | null;
  expires_at: number | null;
}

/** Client ids come from the network (up to 65,535 bytes): an error names only their start. */
const shown = (clientId: string) => JSON.stringify(clip(clientId, 128));

function toSession(row: SessionRow): DeviceSessionRecord {
  return {
    clientId: row.client_id,
    dataSourceId: row.data_source_id,
    feedbackQos: row.feedback_qos,
    expiresAt: row.expires_at,
  };
}

/**
 * Persistent device sessions and their queued feedback on the main SQLite connection (a session
 * changes when a device connects, subscribes or leaves; feedback is queued only while it is away).
 * Ending a data source ends its sessions by the foreign key's cascade (foreign_keys is on).
 */
export class SqliteDeviceSessionStore implements DeviceSessionStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      all: db.prepare("SELECT client_id, data_source_id, feedback_qos, expires_at FROM device_session"),
      dataSourceOf: db.prepare("SELECT data_source_id FROM device_session WHERE client_id = ?").pluck(),
      dataSourceExists: db.prepare("SELECT 1 FROM data_source WHERE id = ?").pluck(),
      dropQueue: db.prepare("DELETE FROM device_session_feedback WHERE client_id = ?"),
      // An upsert, not INSERT OR REPLACE: a replaced row would take its queued feedback with it (cascade).
      upsert: db.prepare(
        `INSERT INTO device_session (client_id, data_source_id, feedback_qos, expires_at)
         VALUES (@clientId, @dataSourceId, @feedbackQos, @expiresAt)
         ON CONFLICT (client_id) DO UPDATE SET data_source_id = excluded.data_source_id,
           feedback_qos = excluded.feedback_qos, expires_at = excluded.expires_at`,
      ),
      remove: db.prepare("DELETE FROM device_session WHERE client_id = ?"),
      removeExpired: db
        .prepare(
          "DELETE FROM device_session WHERE expires_at IS NOT NULL AND expires_at <= ? RETURNING client_id",
        )
        .pluck(),
      insert: db.prepare(
        "INSERT INTO device_session_feedback (client_id, payload, queued_at) VALUES (?, ?, ?)",
      ),
      // Everything of the data source's sessions but its newest `keep` reports, oldest first.
      dropBeyond: db.prepare(
        `DELETE FROM device_session_feedback WHERE id IN (
           SELECT f.id FROM device_session_feedback f JOIN device_session s ON s.client_id = f.client_id
           WHERE s.data_source_id = @dataSourceId ORDER BY f.id DESC LIMIT -1 OFFSET @keep)`,
      ),
      queued: db.prepare("SELECT id, payload FROM device_session_feedback WHERE client_id = ? ORDER BY id"),
      delivered: db.prepare("DELETE FROM device_session_feedback WHERE client_id = ? AND id = ?"),
    };
  }

  async all(): Promise<DeviceSessionRecord[]> {
    return (this.statements.all.all() as SessionRow[]).map(toSession);
  }

  async save(session: DeviceSessionRecord): Promise<void> {
    const s = this.statements;
    inWriteTransaction(this.db, () => {
      // Checked here rather than left to the foreign key, whose error would not say which key failed.
      if (s.dataSourceExists.get(session.dataSourceId) === undefined) {
        throw new Error(
          `The session of client id ${shown(session.clientId)} was not saved: data source ${JSON.stringify(session.dataSourceId)} does not exist.`,
        );
      }
      const previous = s.dataSourceOf.get(session.clientId) as string | undefined;
      // Feedback queued for another data source must never reach this one's device.
      if (previous !== undefined && previous !== session.dataSourceId) s.dropQueue.run(session.clientId);
      s.upsert.run({
        clientId: session.clientId,
        dataSourceId: session.dataSourceId,
        feedbackQos: session.feedbackQos,
        expiresAt: session.expiresAt,
      });
    });
  }

  async remove(clientId: string): Promise<void> {
    // One statement is its own transaction; the cascade drops the queued feedback with it.
    this.statements.remove.run(clientId);
  }

  async removeExpired(now: number): Promise<string[]> {
    return this.statements.removeExpired.all(now) as string[];
  }

  async enqueue(clientId: string, payloads: readonly Buffer[], maxPerDataSource: number): Promise<number> {
    if (!Number.isSafeInteger(maxPerDataSource) || maxPerDataSource < 0) {
      throw new RangeError(`maxPerDataSource must be a whole number ≥ 0, not ${maxPerDataSource}`);
    }
    const s = this.statements;
    return inWriteTransaction(this.db, () => {
      const dataSourceId = s.dataSourceOf.get(clientId) as string | undefined;
      if (dataSourceId === undefined) {
        throw new Error(`No feedback was queued: client id ${shown(clientId)} has no kept session.`);
      }
      const now = Date.now();
      for (const payload of payloads) s.insert.run(clientId, payload, now);
      return s.dropBeyond.run({ dataSourceId, keep: maxPerDataSource }).changes;
    });
  }

  async queued(clientId: string): Promise<QueuedFeedback[]> {
    return this.statements.queued.all(clientId) as QueuedFeedback[];
  }

  async delivered(clientId: string, ids: readonly number[]): Promise<void> {
    const s = this.statements;
    inWriteTransaction(this.db, () => {
      for (const id of ids) s.delivered.run(clientId, id);
    });
  }
}
