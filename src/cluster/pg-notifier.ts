import pg from "pg";
import type { Logger } from "../platform/logger.ts";
import { closeSession, openDedicatedSession } from "./dedicated-session.ts";
import { checkChannel, notifyWithin } from "./notify-payload.ts";
import { withTimeout } from "./with-timeout.ts";

/** Receives the notifications of one channel. */
export interface NotificationListener {
  onMessage(payload: string): void;
  /** The listen session was lost and is back: whatever was sent in between did not arrive. */
  onMissed?(): void;
}

export interface PgNotifierOptions {
  /** The database's URL: the listen session is a connection of its own, outside every pool. */
  readonly url: string;
  /** Where notify() sends from. */
  readonly pool: pg.Pool;
  readonly applicationName?: string;
  /** Wait before connecting again after the listen session was lost (default 1 s). */
  readonly reconnectDelayMs?: number;
  /** A SELECT 1 this often finds a silently dead session (default 2 s). */
  readonly pingIntervalMs?: number;
  /** Longest wait for a ping's answer (default 1.5 s). */
  readonly pingTimeoutMs?: number;
  /** The server ends the session after this long without a ping: a frozen instance holds back no queue (default 10 s). */
  readonly idleSessionTimeoutMs?: number;
  readonly logger?: Logger;
}

/**
 * One LISTEN session per instance: listeners per channel, the session connected again after any loss
 * (listeners are told they may have missed messages), and notify() through the pool. To notify inside a
 * transaction of one's own, use notifyWithin() on its client.
 */
export class PgNotifier {
  readonly #options: PgNotifierOptions;
  readonly #channels = new Map<string, Set<NotificationListener>>();
  #client: pg.Client | undefined;
  #hasConnected = false;
  #stopped = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;

  constructor(options: PgNotifierOptions) {
    this.#options = options;
  }

  /** Connects the listen session; fails when the first connection fails (later losses are reconnected). */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#connect();
  }

  /** True while the listen session is up. */
  get connected(): boolean {
    return this.#client !== undefined;
  }

  /**
   * Adds a listener on `channel`; resolves once the session listens (or, when it is down, at once: it
   * listens when it is back). Returns the function that removes the listener again.
   */
  async listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>> {
    checkChannel(channel);
    let listeners = this.#channels.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#channels.set(channel, listeners);
    }
    const first = listeners.size === 0;
    listeners.add(listener);
    if (first) await this.#sendOnSession(`LISTEN ${pg.escapeIdentifier(channel)}`);
    return async () => {
      const current = this.#channels.get(channel);
      if (!current?.delete(listener) || current.size > 0) return;
      this.#channels.delete(channel);
      await this.#sendOnSession(`UNLISTEN ${pg.escapeIdentifier(channel)}`);
    };
  }

  /** Sends `payload` on `channel` at once (outside any transaction). Refuses payloads of 8000 bytes or more. */
  async notify(channel: string, payload: string): Promise<void> {
    await notifyWithin(this.#options.pool, channel, payload);
  }

  /** Ends the listen session and stops reconnecting. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#pingTimer);
    const client = this.#client;
    this.#client = undefined;
    if (client) await withTimeout(client.end(), 2000, "ending the listen session").catch(() => {});
  }

  async #connect(): Promise<void> {
    const client = await openDedicatedSession(this.#options.url, {
      applicationName: this.#options.applicationName ?? "aiida-hub listen",
      idleSessionTimeoutMs: this.#options.idleSessionTimeoutMs ?? 10_000,
      statementTimeoutMs: this.#pingTimeout(),
    });
    if (this.#stopped) {
      closeSession(client);
      return;
    }
    client.on("notification", (message) => this.#dispatch(message.channel, message.payload ?? ""));
    client.once("end", () => this.#lost(client, "the listen session ended"));
    // Set first: a listen() from now on sends its own LISTEN, one before now is in the map read below.
    this.#client = client;
    try {
      for (const channel of this.#channels.keys())
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      // The caller (start, or the reconnect loop) decides what follows; this session is given up.
      this.#client = undefined;
      closeSession(client);
      throw error;
    }
    this.#pingTimer = setInterval(() => this.#ping(client), this.#options.pingIntervalMs ?? 2000);
    if (this.#hasConnected) this.#tellMissed();
    this.#hasConnected = true;
  }

  async #sendOnSession(sql: string): Promise<void> {
    const client = this.#client;
    if (!client) return;
    // A session lost meanwhile is reconnected, and the reconnection listens on every channel in the map.
    await client.query(sql).catch((error: Error) => this.#lost(client, error.message));
  }

  #ping(client: pg.Client): void {
    withTimeout(client.query("SELECT 1"), this.#pingTimeout(), "ping of the listen session").catch(
      (error: Error) => this.#lost(client, error.message),
    );
  }

  #lost(client: pg.Client, reason: string): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    clearInterval(this.#pingTimer);
    closeSession(client);
    if (this.#stopped) return;
    this.#options.logger?.warn("listen session lost; connecting again", { reason });
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    this.#reconnectTimer = setTimeout(() => {
      this.#connect().catch((error: Error) => {
        if (this.#stopped) return;
        this.#options.logger?.warn("listen session could not connect; trying again", {
          reason: error.message,
        });
        this.#scheduleReconnect();
      });
    }, this.#options.reconnectDelayMs ?? 1000);
  }

  #dispatch(channel: string, payload: string): void {
    for (const listener of this.#channels.get(channel) ?? []) {
      try {
        listener.onMessage(payload);
      } catch (error) {
        this.#options.logger?.error("notification listener failed", {
          channel,
          reason: (error as Error).message,
        });
      }
    }
  }

  #tellMissed(): void {
    for (const [channel, listeners] of this.#channels) {
      for (const listener of listeners) {
        try {
          listener.onMissed?.();
        } catch (error) {
          this.#options.logger?.error("notification listener failed", {
            channel,
            reason: (error as Error).message,
          });
        }
      }
    }
  }

  #pingTimeout(): number {
    return this.#options.pingTimeoutMs ?? 1500;
  }
}
