import type Database from "better-sqlite3";
import type { LastSentMessage, SentValueCount } from "../../domain/sharing-flow.ts";
import type {
  OutboxAppend,
  OutboxDelivery,
  OutboxEntry,
  OutboxKind,
  OutboxMessage,
  SharingOutboxStore,
  SharingStreamState,
} from "../ports.ts";
import { inWriteTransaction } from "./write-transaction.ts";

interface OutboxRow {
  id: number;
  permission_id: string;
  kind: OutboxKind;
  channel: string;
  topic: string;
  payload: string;
  retain: number;
  data_tags: string;
  created_at: number;
}

interface StateRow {
  data_messages: number;
  dropped_oldest: number;
  discarded_at_end: number;
  finishing_status: string | null;
  finishing_since: number | null;
  finished_at: number | null;
}

const COLUMNS = "id, permission_id, kind, channel, topic, payload, retain, data_tags, created_at";

function toMessage(row: OutboxRow): OutboxMessage {
  return {
    id: row.id,
    permissionId: row.permission_id,
    kind: row.kind,
    channel: row.channel,
    topic: row.topic,
    payload: row.payload,
    retain: row.retain === 1,
    dataTags: row.data_tags === "" ? [] : row.data_tags.split(","),
    createdAt: row.created_at,
  };
}

/** The sharing outbox on the main SQLite connection (a few messages per schedule tick and permission). */
export class SqliteSharingOutboxStore implements SharingOutboxStore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      ensureState: db.prepare("INSERT OR IGNORE INTO sharing_stream_state (permission_id) VALUES (?)"),
      insert: db.prepare(
        `INSERT INTO sharing_outbox (permission_id, kind, channel, topic, payload, retain, data_tags, created_at)
         VALUES (@permissionId, @kind, @channel, @topic, @payload, @retain, @dataTags, @createdAt)`,
      ),
      addDataMessages: db.prepare(
        "UPDATE sharing_stream_state SET data_messages = data_messages + ? WHERE permission_id = ?",
      ),
      dataMessages: db.prepare("SELECT data_messages FROM sharing_stream_state WHERE permission_id = ?"),
      dropOldest: db.prepare(
        `DELETE FROM sharing_outbox WHERE id IN (
           SELECT id FROM sharing_outbox
           WHERE permission_id = ? AND kind = 'data' AND id NOT IN (SELECT value FROM json_each(?))
           ORDER BY id LIMIT ?)`,
      ),
      countDropped: db.prepare(
        `UPDATE sharing_stream_state SET dropped_oldest = dropped_oldest + @n, data_messages = data_messages - @n
         WHERE permission_id = @permissionId`,
      ),
      next: db.prepare(`SELECT ${COLUMNS} FROM sharing_outbox WHERE permission_id = ? ORDER BY id LIMIT ?`),
      nextStatus: db.prepare(
        `SELECT ${COLUMNS} FROM sharing_outbox WHERE permission_id = ? AND kind = 'status' ORDER BY id LIMIT ?`,
      ),
      byId: db.prepare(`SELECT ${COLUMNS} FROM sharing_outbox WHERE id = ?`),
      deleteById: db.prepare("DELETE FROM sharing_outbox WHERE id = ?"),
      countConsent: db.prepare(
        `INSERT INTO sharing_consent_value (permission_id, schema, obis_code, values_sent, first_sent_at, last_sent_at)
         VALUES (@permissionId, @schema, @obisCode, 1, @sentAt, @sentAt)
         ON CONFLICT (permission_id, schema, obis_code) DO UPDATE SET
           values_sent = values_sent + 1,
           first_sent_at = min(first_sent_at, excluded.first_sent_at),
           last_sent_at = max(last_sent_at, excluded.last_sent_at)`,
      ),
      keepLastSent: db.prepare(
        `INSERT INTO sharing_last_sent (permission_id, channel, sent_at, payload) VALUES (?, ?, ?, ?)
         ON CONFLICT (permission_id, channel) DO UPDATE SET sent_at = excluded.sent_at, payload = excluded.payload`,
      ),
      finishingStatus: db.prepare(
        "SELECT finishing_status FROM sharing_stream_state WHERE permission_id = ?",
      ),
      markFinishing: db.prepare(
        "UPDATE sharing_stream_state SET finishing_status = ?, finishing_since = ? WHERE permission_id = ?",
      ),
      deleteKind: db.prepare("DELETE FROM sharing_outbox WHERE permission_id = ? AND kind = ?"),
      deleteAll: db.prepare("DELETE FROM sharing_outbox WHERE permission_id = ?"),
      countDiscarded: db.prepare(
        `UPDATE sharing_stream_state SET discarded_at_end = discarded_at_end + @n, data_messages = 0
         WHERE permission_id = @permissionId`,
      ),
      countLate: db.prepare(
        "UPDATE sharing_stream_state SET discarded_at_end = discarded_at_end + @n WHERE permission_id = @permissionId",
      ),
      markFinished: db.prepare("UPDATE sharing_stream_state SET finished_at = ? WHERE permission_id = ?"),
      state: db.prepare("SELECT * FROM sharing_stream_state WHERE permission_id = ?"),
      statusMessages: db.prepare(
        "SELECT count(*) AS n FROM sharing_outbox WHERE permission_id = ? AND kind = 'status'",
      ),
      oldest: db.prepare("SELECT created_at FROM sharing_outbox WHERE permission_id = ? ORDER BY id LIMIT 1"),
      finishing: db.prepare(
        `SELECT permission_id FROM sharing_stream_state
         WHERE finishing_status IS NOT NULL AND finished_at IS NULL ORDER BY finishing_since`,
      ),
      consent: db.prepare(
        `SELECT schema, obis_code, values_sent, first_sent_at, last_sent_at FROM sharing_consent_value
         WHERE permission_id = ? ORDER BY schema, obis_code`,
      ),
      lastSent: db.prepare(
        "SELECT channel, sent_at, payload FROM sharing_last_sent WHERE permission_id = ? ORDER BY channel",
      ),
    };
  }

  async append(batch: readonly OutboxAppend[]): Promise<void> {
    const s = this.statements;
    inWriteTransaction(this.db, () => {
      for (const { permissionId, entries, maxDataMessages, inFlight } of batch) {
        s.ensureState.run(permissionId);
        if (this.finishing(permissionId)) {
          // Its final status message is queued: nothing may follow it (another instance may still format).
          if (entries.length > 0) s.countLate.run({ n: entries.length, permissionId });
          continue;
        }
        let added = 0;
        for (const entry of entries) {
          this.insert(entry);
          if (entry.kind === "data") added += 1;
        }
        if (added === 0) continue;
        s.addDataMessages.run(added, permissionId);
        const held = (s.dataMessages.get(permissionId) as { data_messages: number }).data_messages;
        if (held <= maxDataMessages) continue;
        const dropped = s.dropOldest.run(
          permissionId,
          JSON.stringify(inFlight),
          held - maxDataMessages,
        ).changes;
        s.countDropped.run({ n: dropped, permissionId });
      }
    });
  }

  private finishing(permissionId: string): boolean {
    const row = this.statements.finishingStatus.get(permissionId) as { finishing_status: string | null };
    return row.finishing_status !== null;
  }

  private insert(entry: OutboxEntry): void {
    this.statements.insert.run({
      permissionId: entry.permissionId,
      kind: entry.kind,
      channel: entry.channel,
      topic: entry.topic,
      payload: entry.payload,
      retain: entry.retain ? 1 : 0,
      dataTags: entry.dataTags.join(","),
      createdAt: entry.createdAt,
    });
  }

  async next(permissionId: string, limit: number, includeData: boolean): Promise<OutboxMessage[]> {
    const statement = includeData ? this.statements.next : this.statements.nextStatus;
    return (statement.all(permissionId, limit) as OutboxRow[]).map(toMessage);
  }

  async delivered(deliveries: readonly OutboxDelivery[]): Promise<void> {
    const s = this.statements;
    inWriteTransaction(this.db, () => {
      for (const { id, sentAt } of deliveries) {
        const row = s.byId.get(id) as OutboxRow | undefined;
        if (row === undefined) continue; // delivered twice, or discarded meanwhile
        s.deleteById.run(id);
        s.keepLastSent.run(row.permission_id, row.channel, sentAt, row.payload);
        if (row.kind !== "data") continue;
        s.addDataMessages.run(-1, row.permission_id);
        for (const tag of toMessage(row).dataTags)
          s.countConsent.run({ permissionId: row.permission_id, schema: row.channel, obisCode: tag, sentAt });
      }
    });
  }

  async beginFinish(
    permissionId: string,
    status: string,
    message: OutboxEntry,
    discardData: boolean,
  ): Promise<boolean> {
    const s = this.statements;
    return inWriteTransaction(this.db, () => {
      s.ensureState.run(permissionId);
      const row = s.finishingStatus.get(permissionId) as { finishing_status: string | null };
      if (row.finishing_status !== null) return false;
      if (discardData) {
        const discarded = s.deleteKind.run(permissionId, "data").changes;
        s.countDiscarded.run({ n: discarded, permissionId });
      }
      this.insert(message);
      s.markFinishing.run(status, message.createdAt, permissionId);
      return true;
    });
  }

  async finish(permissionId: string, now: number): Promise<number> {
    const s = this.statements;
    return inWriteTransaction(this.db, () => {
      s.ensureState.run(permissionId);
      const discarded = s.deleteAll.run(permissionId).changes;
      s.countDiscarded.run({ n: discarded, permissionId });
      s.markFinished.run(now, permissionId);
      return discarded;
    });
  }

  async state(permissionId: string): Promise<SharingStreamState | undefined> {
    const row = this.statements.state.get(permissionId) as StateRow | undefined;
    if (row === undefined) return undefined;
    const statusMessages = (this.statements.statusMessages.get(permissionId) as { n: number }).n;
    const oldest = this.statements.oldest.get(permissionId) as { created_at: number } | undefined;
    return {
      dataMessages: row.data_messages,
      statusMessages,
      oldestCreatedAt: oldest?.created_at ?? null,
      droppedOldest: row.dropped_oldest,
      discardedAtEnd: row.discarded_at_end,
      finishingStatus: row.finishing_status,
      finishingSince: row.finishing_since,
      finishedAt: row.finished_at,
    };
  }

  async finishingPermissionIds(): Promise<string[]> {
    return (this.statements.finishing.all() as { permission_id: string }[]).map((row) => row.permission_id);
  }

  async sentValues(permissionId: string): Promise<SentValueCount[]> {
    const rows = this.statements.consent.all(permissionId) as {
      schema: string;
      obis_code: string;
      values_sent: number;
      first_sent_at: number;
      last_sent_at: number;
    }[];
    return rows.map((row) => ({
      schema: row.schema,
      obisCode: row.obis_code,
      values: row.values_sent,
      firstSentAt: row.first_sent_at,
      lastSentAt: row.last_sent_at,
    }));
  }

  async lastSent(permissionId: string): Promise<LastSentMessage[]> {
    const rows = this.statements.lastSent.all(permissionId) as {
      channel: string;
      sent_at: number;
      payload: string;
    }[];
    return rows.map((row) => ({ channel: row.channel, sentAt: row.sent_at, payload: row.payload }));
  }
}
