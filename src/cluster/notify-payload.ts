import type pg from "pg";

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (in the database's encoding, UTF-8 here). */
export const MAX_NOTIFY_PAYLOAD_BYTES = 7999;
/** Longest channel name: longer identifiers are cut by LISTEN but refused by pg_notify. */
const MAX_CHANNEL_BYTES = 63;

/** Throws a precise error when `channel` or `payload` could not be sent as one NOTIFY. */
export function checkNotification(channel: string, payload: string): void {
  checkChannel(channel);
  const bytes = Buffer.byteLength(payload, "utf8");
  if (bytes > MAX_NOTIFY_PAYLOAD_BYTES) {
    throw new RangeError(
      `NOTIFY payload for channel "${channel}" is ${bytes} bytes; PostgreSQL takes at most ${MAX_NOTIFY_PAYLOAD_BYTES}`,
    );
  }
}

/** Throws a precise error when `channel` is not a channel name LISTEN and pg_notify agree on. */
export function checkChannel(channel: string): void {
  const bytes = Buffer.byteLength(channel, "utf8");
  if (bytes === 0 || bytes > MAX_CHANNEL_BYTES) {
    throw new RangeError(`NOTIFY channel name must be 1 to ${MAX_CHANNEL_BYTES} bytes, not ${bytes}`);
  }
}

/**
 * Sends a notification on the caller's client. Inside the caller's transaction it is delivered only if
 * and when that transaction commits, and never if it rolls back.
 */
export async function notifyWithin(
  client: pg.ClientBase | pg.Pool,
  channel: string,
  payload: string,
): Promise<void> {
  checkNotification(channel, payload);
  await client.query("SELECT pg_notify($1, $2)", [channel, payload]);
}
