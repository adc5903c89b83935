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
import { inTransaction, type PgClient, type PgPool } from "./pg-pool.ts";

interface OutboxRow {
  id: number;
  permission_id: string;
  kind: OutboxKind;
  channel: string;
  topic: string;
  payload: string;
  retain: boolean;
  data_tags: string;
  created_at: Date;
}

interface StateRow {
  data_messages: number;
  status_messages: number;
  oldest_created_at: Date | null;
  dropped_oldest: number;
  discarded_at_end: number;
  finishing_status: string | null;
  finishing_since: Date | null;
  finished_at: Date | null;
}

const COLUMNS = "id, permission_id, kind, channel, topic, payload, retain, data_tags, created_at";

const fromTime = (at: Date | null): number | null => (at === null ? null : at.getTime());

/** SQLite reads a negative LIMIT as "no limit"; PostgreSQL refuses it, and reads NULL so. */
const sqlLimit = (limit: number): number | null => (limit < 0 ? null : limit);

function toMessage(row: OutboxRow): OutboxMessage {
  return {
    id: row.id,
    permissionId: row.permission_id,
    kind: row.kind,
    channel: row.channel,
    topic: row.topic,
    payload: row.payload,
    retain: row.retain,
    dataTags: row.data_tags === "" ? [] : row.data_tags.split(","),
    createdAt: row.created_at.getTime(),
  };
}

/**
 * Makes the stream state rows of `permissionIds` exist and locks them until the transaction ends, in
 * one order (binary, like every instance's) so that two transactions locking several never deadlock.
 * Every change to a permission's outbox holds this lock: its data_messages never drifts from the rows.
 */
async function lockStates(client: PgClient, permissionIds: readonly string[]): Promise<void> {
  await client.query(
    `INSERT INTO sharing_stream_state (permission_id)
     SELECT DISTINCT id COLLATE "C" FROM unnest($1::text[]) AS t(id) ORDER BY 1 ON CONFLICT DO NOTHING`,
    [permissionIds],
  );
  await client.query(
    `SELECT permission_id FROM sharing_stream_state WHERE permission_id = ANY($1::text[])
     ORDER BY permission_id COLLATE "C" FOR UPDATE`,
    [permissionIds],
  );
}

/** Inserts `entries` in their order (ids ascend with it); returns how many are data messages. */
async function insertEntries(client: PgClient, entries: readonly OutboxEntry[]): Promise<number> {
  if (entries.length === 0) return 0;
  await client.query(
    `INSERT INTO sharing_outbox (permission_id, kind, channel, topic, payload, retain, data_tags, created_at)
     SELECT permission_id, kind, channel, topic, payload, retain, data_tags, created_at
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[],
       $8::timestamptz[]) WITH ORDINALITY
       AS e(permission_id, kind, channel, topic, payload, retain, data_tags, created_at, n)
     ORDER BY n`,
    [
      entries.map((e) => e.permissionId),
      entries.map((e) => e.kind),
      entries.map((e) => e.channel),
      entries.map((e) => e.topic),
      entries.map((e) => e.payload),
      entries.map((e) => e.retain),
      entries.map((e) => e.dataTags.join(",")),
      entries.map((e) => new Date(e.createdAt)),
    ],
  );
  return entries.filter((e) => e.kind === "data").length;
}

/** What one delivered() call adds to the consent record and the last messages sent, summed per key. */
interface DeliverySums {
  readonly lastSent: Map<string, { permissionId: string; channel: string; sentAt: number; payload: string }>;
  readonly consent: Map<
    string,
    { permissionId: string; schema: string; obisCode: string; values: number; first: number; last: number }
  >;
  readonly dataDelivered: Map<string, number>;
}

/** Folds the deleted rows in the order the deliveries were given: the last one per channel is kept. */
function sumDeliveries(deliveries: readonly OutboxDelivery[], deleted: readonly OutboxRow[]): DeliverySums {
  const rows = new Map(deleted.map((row) => [row.id, row]));
  const sums: DeliverySums = { lastSent: new Map(), consent: new Map(), dataDelivered: new Map() };
  for (const { id, sentAt } of deliveries) {
    const row = rows.get(id);
    if (row === undefined) continue; // delivered twice, or discarded meanwhile
    rows.delete(id);
    const { permission_id: permissionId, channel } = row;
    sums.lastSent.set(JSON.stringify([permissionId, channel]), {
      permissionId,
      channel,
      sentAt,
      payload: row.payload,
    });
    if (row.kind !== "data") continue;
    sums.dataDelivered.set(permissionId, (sums.dataDelivered.get(permissionId) ?? 0) + 1);
    for (const obisCode of toMessage(row).dataTags) {
      const key = JSON.stringify([permissionId, channel, obisCode]);
      const sum = sums.consent.get(key);
      if (sum === undefined) {
        sums.consent.set(key, {
          permissionId,
          schema: channel,
          obisCode,
          values: 1,
          first: sentAt,
          last: sentAt,
        });
      } else {
        sum.values += 1;
        sum.first = Math.min(sum.first, sentAt);
        sum.last = Math.max(sum.last, sentAt);
      }
    }
  }
  return sums;
}

/**
 * The sharing outbox in PostgreSQL. Every method is one transaction; those that change a permission's
 * outbox first lock its stream state row, so several hub instances appending and delivering at once
 * keep data_messages equal to its data rows and the cap exact.
 */
export class PgSharingOutboxStore implements SharingOutboxStore {
  constructor(private readonly pool: PgPool) {}

  async append(batch: readonly OutboxAppend[]): Promise<void> {
    if (batch.length === 0) return;
    await inTransaction(this.pool, async (client) => {
      await lockStates(
        client,
        batch.map((a) => a.permissionId),
      );
      const finishing = await client.query<{ permission_id: string }>(
        `SELECT permission_id FROM sharing_stream_state
          WHERE permission_id = ANY($1::text[]) AND finishing_status IS NOT NULL`,
        [batch.map((a) => a.permissionId)],
      );
      const ending = new Set(finishing.rows.map((row) => row.permission_id));
      for (const { permissionId, entries, maxDataMessages, inFlight } of batch) {
        if (ending.has(permissionId)) {
          // Its final status message is queued: nothing may follow it (another instance may still format).
          if (entries.length > 0)
            await client.query(
              "UPDATE sharing_stream_state SET discarded_at_end = discarded_at_end + $2 WHERE permission_id = $1",
              [permissionId, entries.length],
            );
          continue;
        }
        const added = await insertEntries(client, entries);
        if (added === 0) continue;
        const { rows } = await client.query<{ data_messages: number }>(
          `UPDATE sharing_stream_state SET data_messages = data_messages + $2 WHERE permission_id = $1
           RETURNING data_messages`,
          [permissionId, added],
        );
        const held = rows[0]?.data_messages ?? 0;
        if (held <= maxDataMessages) continue;
        const dropped = await client.query(
          `DELETE FROM sharing_outbox WHERE id IN (
             SELECT id FROM sharing_outbox
             WHERE permission_id = $1 AND kind = 'data' AND id <> ALL($2::bigint[])
             ORDER BY id LIMIT $3)`,
          [permissionId, inFlight.filter(Number.isSafeInteger), held - maxDataMessages],
        );
        await client.query(
          `UPDATE sharing_stream_state SET dropped_oldest = dropped_oldest + $2, data_messages = data_messages - $2
           WHERE permission_id = $1`,
          [permissionId, dropped.rowCount ?? 0],
        );
      }
    });
  }

  async next(permissionId: string, limit: number, includeData: boolean): Promise<OutboxMessage[]> {
    const { rows } = await this.pool.query<OutboxRow>(
      `SELECT ${COLUMNS} FROM sharing_outbox WHERE permission_id = $1 ${includeData ? "" : "AND kind = 'status'"}
       ORDER BY id LIMIT $2`,
      [permissionId, sqlLimit(limit)],
    );
    return rows.map(toMessage);
  }

  async delivered(deliveries: readonly OutboxDelivery[]): Promise<void> {
    // An id that is no whole number names no message, as in SQLite; bigint[] would refuse it.
    const ids = deliveries.map((d) => d.id).filter(Number.isSafeInteger);
    if (ids.length === 0) return;
    await inTransaction(this.pool, async (client) => {
      const owners = await client.query<{ permission_id: string }>(
        "SELECT DISTINCT permission_id FROM sharing_outbox WHERE id = ANY($1::bigint[])",
        [ids],
      );
      // Locked without being made: a message's state row exists since its append (as SQLite assumes too).
      await client.query(
        `SELECT permission_id FROM sharing_stream_state WHERE permission_id = ANY($1::text[])
         ORDER BY permission_id COLLATE "C" FOR UPDATE`,
        [owners.rows.map((row) => row.permission_id)],
      );
      const deleted = await client.query<OutboxRow>(
        `DELETE FROM sharing_outbox WHERE id = ANY($1::bigint[]) RETURNING ${COLUMNS}`,
        [ids],
      );
      const sums = sumDeliveries(deliveries, deleted.rows);
      await this.countDelivered(client, sums);
    });
  }

  /** Writes one delivered() call's sums: each key once, so one statement per table. */
  private async countDelivered(client: PgClient, sums: DeliverySums): Promise<void> {
    const lastSent = [...sums.lastSent.values()];
    if (lastSent.length > 0) {
      await client.query(
        `INSERT INTO sharing_last_sent (permission_id, channel, sent_at, payload)
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])
         ON CONFLICT (permission_id, channel) DO UPDATE SET sent_at = excluded.sent_at, payload = excluded.payload`,
        [
          lastSent.map((s) => s.permissionId),
          lastSent.map((s) => s.channel),
          lastSent.map((s) => new Date(s.sentAt)),
          lastSent.map((s) => s.payload),
        ],
      );
    }
    for (const [permissionId, n] of sums.dataDelivered) {
      await client.query(
        "UPDATE sharing_stream_state SET data_messages = data_messages - $2 WHERE permission_id = $1",
        [permissionId, n],
      );
    }
    const consent = [...sums.consent.values()];
    if (consent.length === 0) return;
    await client.query(
      `INSERT INTO sharing_consent_value AS v (permission_id, schema, obis_code, values_sent, first_sent_at,
         last_sent_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::timestamptz[])
       ON CONFLICT (permission_id, schema, obis_code) DO UPDATE SET
         values_sent = v.values_sent + excluded.values_sent,
         first_sent_at = least(v.first_sent_at, excluded.first_sent_at),
         last_sent_at = greatest(v.last_sent_at, excluded.last_sent_at)`,
      [
        consent.map((c) => c.permissionId),
        consent.map((c) => c.schema),
        consent.map((c) => c.obisCode),
        consent.map((c) => c.values),
        consent.map((c) => new Date(c.first)),
        consent.map((c) => new Date(c.last)),
      ],
    );
  }

  beginFinish(
    permissionId: string,
    status: string,
    message: OutboxEntry,
    discardData: boolean,
  ): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      await lockStates(client, [permissionId]);
      const { rows } = await client.query<{ finishing_status: string | null }>(
        "SELECT finishing_status FROM sharing_stream_state WHERE permission_id = $1",
        [permissionId],
      );
      if ((rows[0]?.finishing_status ?? null) !== null) return false;
      if (discardData) {
        const discarded = await client.query(
          "DELETE FROM sharing_outbox WHERE permission_id = $1 AND kind = 'data'",
          [permissionId],
        );
        await client.query(
          `UPDATE sharing_stream_state SET discarded_at_end = discarded_at_end + $2, data_messages = 0
           WHERE permission_id = $1`,
          [permissionId, discarded.rowCount ?? 0],
        );
      }
      await insertEntries(client, [message]);
      await client.query(
        "UPDATE sharing_stream_state SET finishing_status = $2, finishing_since = $3 WHERE permission_id = $1",
        [permissionId, status, new Date(message.createdAt)],
      );
      return true;
    });
  }

  finish(permissionId: string, now: number): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      await lockStates(client, [permissionId]);
      const deleted = await client.query("DELETE FROM sharing_outbox WHERE permission_id = $1", [
        permissionId,
      ]);
      const discarded = deleted.rowCount ?? 0;
      await client.query(
        `UPDATE sharing_stream_state SET discarded_at_end = discarded_at_end + $2, data_messages = 0,
           finished_at = $3 WHERE permission_id = $1`,
        [permissionId, discarded, new Date(now)],
      );
      return discarded;
    });
  }

  async state(permissionId: string): Promise<SharingStreamState | undefined> {
    // One statement: the counts and the state row come from one snapshot.
    const { rows } = await this.pool.query<StateRow>(
      `SELECT s.data_messages, s.dropped_oldest, s.discarded_at_end, s.finishing_status, s.finishing_since,
         s.finished_at,
         (SELECT count(*) FROM sharing_outbox o WHERE o.permission_id = s.permission_id AND o.kind = 'status')
           AS status_messages,
         (SELECT o.created_at FROM sharing_outbox o WHERE o.permission_id = s.permission_id ORDER BY o.id LIMIT 1)
           AS oldest_created_at
       FROM sharing_stream_state s WHERE s.permission_id = $1`,
      [permissionId],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return {
      dataMessages: row.data_messages,
      statusMessages: row.status_messages,
      oldestCreatedAt: fromTime(row.oldest_created_at),
      droppedOldest: row.dropped_oldest,
      discardedAtEnd: row.discarded_at_end,
      finishingStatus: row.finishing_status,
      finishingSince: fromTime(row.finishing_since),
      finishedAt: fromTime(row.finished_at),
    };
  }

  async finishingPermissionIds(): Promise<string[]> {
    const { rows } = await this.pool.query<{ permission_id: string }>(
      `SELECT permission_id FROM sharing_stream_state WHERE finishing_status IS NOT NULL AND finished_at IS NULL
       ORDER BY finishing_since, permission_id COLLATE "C"`,
    );
    return rows.map((row) => row.permission_id);
  }

  async sentValues(permissionId: string): Promise<SentValueCount[]> {
    // Binary order, as SQLite sorts: the database's collation would order punctuation differently.
    const { rows } = await this.pool.query<{
      schema: string;
      obis_code: string;
      values_sent: number;
      first_sent_at: Date;
      last_sent_at: Date;
    }>(
      `SELECT schema, obis_code, values_sent, first_sent_at, last_sent_at FROM sharing_consent_value
       WHERE permission_id = $1 ORDER BY schema COLLATE "C", obis_code COLLATE "C"`,
      [permissionId],
    );
    return rows.map((row) => ({
      schema: row.schema,
      obisCode: row.obis_code,
      values: row.values_sent,
      firstSentAt: row.first_sent_at.getTime(),
      lastSentAt: row.last_sent_at.getTime(),
    }));
  }

  async lastSent(permissionId: string): Promise<LastSentMessage[]> {
    const { rows } = await this.pool.query<{ channel: string; sent_at: Date; payload: string }>(
      `SELECT channel, sent_at, payload FROM sharing_last_sent WHERE permission_id = $1
       ORDER BY channel COLLATE "C"`,
      [permissionId],
    );
    return rows.map((row) => ({ channel: row.channel, sentAt: row.sent_at.getTime(), payload: row.payload }));
  }
}
