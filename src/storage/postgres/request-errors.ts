import { HubError } from "../../domain/hub-error.ts";

/** What a person is told when a change is refused because the database server's disk is full. */
export const PG_DISK_FULL_MESSAGE =
  "The disk of the hub's PostgreSQL server is full, so nothing was changed; free some space on it and try again.";

/** What a person is told when the database cannot be reached (down, restarting, out of connections). */
export const PG_UNREACHABLE_MESSAGE =
  "The hub cannot reach its PostgreSQL database right now; try again in a moment, and check the change was made if it was cut off.";

/** Node's codes for a connection that could not be made or was lost. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EPIPE",
]);

/** SQLSTATEs of a server that is going away or cannot take the connection (class 08: connection exception). */
function isUnreachableState(code: string): boolean {
  return (
    code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03" || code === "53300"
  );
}

/**
 * The HubError a person is shown for a database failure that is no fault of the request (UNAVAILABLE, as the
 * SQLite stores answer a full disk); undefined for any other error, which stays as it was.
 */
export function requestErrorOf(error: unknown): HubError | undefined {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : "";
  if (code === "53100") return new HubError("UNAVAILABLE", PG_DISK_FULL_MESSAGE, undefined, error);
  const unreachable =
    (typeof code === "string" && (NETWORK_CODES.has(code) || isUnreachableState(code))) ||
    // pg reports a connection that ended under a query without a code.
    /^Connection terminated/.test(message);
  return unreachable ? new HubError("UNAVAILABLE", PG_UNREACHABLE_MESSAGE, undefined, error) : undefined;
}

/** Runs a store call a person asked for: a failure of the database itself becomes UNAVAILABLE. */
export async function inRequest<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw requestErrorOf(error) ?? error;
  }
}
