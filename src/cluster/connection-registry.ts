import type pg from "pg";
import type { Logger } from "../platform/logger.ts";

export interface ConnectionRegistryOptions {
  readonly pool: pg.Pool;
  /** This instance's id: unique among running instances, and the same again after a restart if it can be. */
  readonly instanceId: string;
  /** How often this instance's heartbeat is written and stale instances are removed (default 2 s). */
  readonly heartbeatIntervalMs?: number;
  /** An instance whose heartbeat is older than this counts as dead, with all its connections (default 10 s). */
  readonly staleAfterMs?: number;
  readonly logger?: Logger;
}

/**
 * Which devices are connected to which live instance. Every instance writes a heartbeat; connections
 * count only on instances with a fresh one, and rows of instances gone stale are removed (with their
 * connections, by cascade). Times are the database's clock, the same for every instance.
 */
export class ConnectionRegistry {
  readonly #options: ConnectionRegistryOptions;
  readonly #id: string;
  readonly #staleAfterMs: number;
  /** This instance's connections, client id → data source id: written again if its row was removed. */
  readonly #connections = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: ConnectionRegistryOptions) {
    this.#options = options;
    this.#id = options.instanceId;
    this.#staleAfterMs = options.staleAfterMs ?? 10_000;
    const heartbeatMs = options.heartbeatIntervalMs ?? 2000;
    if (!(heartbeatMs < this.#staleAfterMs)) {
      throw new RangeError(
        `heartbeatIntervalMs (${heartbeatMs}) must be less than staleAfterMs (${this.#staleAfterMs})`,
      );
    }
  }

  /** Registers this instance, removing what an earlier run with the same id left behind; starts the heartbeat. */
  async start(): Promise<void> {
    await this.#inTransaction(async (client) => {
      // The previous run's connections are not this run's: ON DELETE CASCADE takes them along.
      await client.query("DELETE FROM hub_instance WHERE id = $1", [this.#id]);
      await client.query(
        "INSERT INTO hub_instance (id, started_at, heartbeat_at) VALUES ($1, now(), now())",
        [this.#id],
      );
    });
    this.#connections.clear();
    this.#running = true;
    this.#scheduleHeartbeat();
  }

  /** Removes this instance and its connections; the heartbeat stops. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#connections.clear();
    await this.#options.pool.query("DELETE FROM hub_instance WHERE id = $1", [this.#id]);
  }

  /** A device with `clientId` has connected to this instance for `dataSourceId`. */
  async connected(clientId: string, dataSourceId: string): Promise<void> {
    this.#connections.set(clientId, dataSourceId);
    await this.#options.pool.query(
      `INSERT INTO device_connection (instance_id, client_id, data_source_id, connected_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (instance_id, client_id) DO UPDATE
         SET data_source_id = excluded.data_source_id, connected_at = excluded.connected_at`,
      [this.#id, clientId, dataSourceId],
    );
  }

  /** The device with `clientId` has left this instance (its row for another data source is kept). */
  async disconnected(clientId: string, dataSourceId: string): Promise<void> {
    if (this.#connections.get(clientId) === dataSourceId) this.#connections.delete(clientId);
    await this.#options.pool.query(
      "DELETE FROM device_connection WHERE instance_id = $1 AND client_id = $2 AND data_source_id = $3",
      [this.#id, clientId, dataSourceId],
    );
  }

  /** True when a device of `dataSourceId` is connected to any instance with a fresh heartbeat. */
  async isConnected(dataSourceId: string): Promise<boolean> {
    const result = await this.#options.pool.query<{ connected: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM device_connection c JOIN hub_instance i ON i.id = c.instance_id
          WHERE c.data_source_id = $1 AND i.heartbeat_at > now() - make_interval(secs => $2 / 1000.0)
       ) AS connected`,
      [dataSourceId, this.#staleAfterMs],
    );
    return result.rows[0]?.connected === true;
  }

  /** Data sources with a device connected to another instance with a fresh heartbeat (this one's are left out). */
  async connectedOnOtherInstances(): Promise<Set<string>> {
    const result = await this.#options.pool.query<{ data_source_id: string }>(
      `SELECT DISTINCT c.data_source_id FROM device_connection c JOIN hub_instance i ON i.id = c.instance_id
        WHERE i.id <> $1 AND i.heartbeat_at > now() - make_interval(secs => $2 / 1000.0)`,
      [this.#id, this.#staleAfterMs],
    );
    return new Set(result.rows.map((row) => row.data_source_id));
  }

  /** Instances with a fresh heartbeat, this one included once it has started. */
  async liveInstances(): Promise<string[]> {
    const result = await this.#options.pool.query<{ id: string }>(
      "SELECT id FROM hub_instance WHERE heartbeat_at > now() - make_interval(secs => $1 / 1000.0) ORDER BY id",
      [this.#staleAfterMs],
    );
    return result.rows.map((row) => row.id);
  }

  /**
   * Writes this instance's heartbeat (its row and connections again, if another instance removed them while
   * this one was frozen or cut off) and removes instances gone stale. Runs by itself on the interval.
   */
  async heartbeat(): Promise<void> {
    await this.#inTransaction(async (client) => {
      const updated = await client.query("UPDATE hub_instance SET heartbeat_at = now() WHERE id = $1", [
        this.#id,
      ]);
      // Stopped meanwhile: the row was removed on purpose.
      if (updated.rowCount === 0 && this.#running) await this.#registerAgain(client);
    });
    const removed = await this.#options.pool.query<{ id: string }>(
      "DELETE FROM hub_instance WHERE heartbeat_at <= now() - make_interval(secs => $1 / 1000.0) RETURNING id",
      [this.#staleAfterMs],
    );
    if (removed.rows.length > 0) {
      this.#options.logger?.info("removed stale hub instances", {
        instances: removed.rows.map((row) => row.id),
      });
    }
  }

  async #registerAgain(client: pg.PoolClient): Promise<void> {
    this.#options.logger?.warn("this instance's registration was removed as stale; registering again", {
      instance: this.#id,
    });
    await client.query("INSERT INTO hub_instance (id, started_at, heartbeat_at) VALUES ($1, now(), now())", [
      this.#id,
    ]);
    for (const [clientId, dataSourceId] of this.#connections) {
      await client.query(
        "INSERT INTO device_connection (instance_id, client_id, data_source_id, connected_at) VALUES ($1, $2, $3, now())",
        [this.#id, clientId, dataSourceId],
      );
    }
  }

  #scheduleHeartbeat(): void {
    this.#timer = setTimeout(() => {
      this.heartbeat()
        .catch((error: Error) =>
          this.#options.logger?.warn("heartbeat not written", { reason: error.message }),
        )
        .finally(() => {
          if (this.#running) this.#scheduleHeartbeat();
        });
    }, this.#options.heartbeatIntervalMs ?? 2000);
  }

  async #inTransaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.#options.pool.connect();
    try {
      await client.query("BEGIN");
      await work(client);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      client.release(true);
      throw error;
    }
    client.release();
  }
}
