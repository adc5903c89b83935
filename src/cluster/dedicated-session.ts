import pg from "pg";

/** How a session of its own (a lock holder, a listener) protects itself against a frozen or cut-off peer. */
export interface DedicatedSessionOptions {
  /** Shown in pg_stat_activity, so an operator sees which instance holds which session. */
  readonly applicationName: string;
  /**
   * The server ends the session after this long without a query: a frozen holder's locks are released
   * and its LISTEN stops holding back the notification queue. Must exceed the heartbeat interval.
   */
  readonly idleSessionTimeoutMs: number;
  /** The server gives up a statement after this long (the heartbeat's own limit). */
  readonly statementTimeoutMs: number;
}

/** Seconds of silence before TCP keepalive probes start, between probes, and probes before the link counts as dead. */
const KEEPALIVE_IDLE_S = 5;
const KEEPALIVE_INTERVAL_S = 2;
const KEEPALIVE_COUNT = 3;

/**
 * Connects one pg.Client (not from a pool) with server-side timeouts set from its first moment (startup
 * options), TCP keepalives on both ends, and tcp_user_timeout so the server drops a peer that stops
 * acknowledging what it sends.
 */
export async function openDedicatedSession(
  url: string,
  options: DedicatedSessionOptions,
): Promise<pg.Client> {
  const settings = [
    `idle_session_timeout=${Math.ceil(options.idleSessionTimeoutMs)}`,
    `statement_timeout=${Math.ceil(options.statementTimeoutMs)}`,
    `tcp_keepalives_idle=${KEEPALIVE_IDLE_S}`,
    `tcp_keepalives_interval=${KEEPALIVE_INTERVAL_S}`,
    `tcp_keepalives_count=${KEEPALIVE_COUNT}`,
    `tcp_user_timeout=${Math.ceil(options.idleSessionTimeoutMs)}`,
  ];
  const client = new pg.Client({
    connectionString: url,
    application_name: options.applicationName,
    options: settings.map((s) => `-c ${s}`).join(" "),
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_S * 1000,
    connectionTimeoutMillis: Math.ceil(options.idleSessionTimeoutMs),
  });
  // Without a listener an ended session (server timeout, pg_terminate_backend) would crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    closeSession(client);
    throw error;
  }
  return client;
}

/**
 * Ends a session without waiting: a graceful goodbye when it can still talk (the server then releases its
 * locks at once), a torn-down socket when a query hangs or the link is dead (pg's own end() decides).
 */
export function closeSession(client: pg.Client): void {
  client.end().catch(() => {});
}
