import type { Logger } from "../platform/logger.ts";

/** The parts of ConnectionRegistry (started by the caller) this class uses. */
export interface ConnectionMirror {
  connected(clientId: string, dataSourceId: string): Promise<void>;
  disconnected(clientId: string, dataSourceId: string): Promise<void>;
  connectedOnOtherInstances(): Promise<Set<string>>;
}

export interface RemoteConnectionsOptions {
  readonly registry: ConnectionMirror;
  /** How often the data sources connected to other instances are read (default 1 s). */
  readonly refreshIntervalMs?: number;
  /**
   * connectedElsewhere() answers false once the last successful read is older than this (default 10 s,
   * the registry's staleness): an answer the database has not confirmed for that long is not trusted.
   */
  readonly maxAgeMs?: number;
  readonly logger?: Logger;
}

/**
 * Devices connected to this instance, written to the ConnectionRegistry (each data source once: the
 * broker's connected/disconnected events come once per data source), and the data sources connected to
 * other live instances, read every second into memory so the synchronous health code can ask.
 */
export class RemoteConnections {
  readonly #options: RemoteConnectionsOptions;
  readonly #refreshMs: number;
  readonly #maxAgeMs: number;
  /** Data sources with a device on this instance now: what the registry is brought to. */
  readonly #here = new Set<string>();
  /** Data sources whose row may differ from #here (not yet written, or the write failed). */
  readonly #dirty = new Set<string>();
  #elsewhere: ReadonlySet<string> = new Set();
  #readAt = Number.NEGATIVE_INFINITY;
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: RemoteConnectionsOptions) {
    this.#options = options;
    this.#refreshMs = options.refreshIntervalMs ?? 1000;
    this.#maxAgeMs = options.maxAgeMs ?? 10_000;
    if (!(this.#refreshMs < this.#maxAgeMs)) {
      throw new RangeError(
        `refreshIntervalMs (${this.#refreshMs}) must be less than maxAgeMs (${this.#maxAgeMs})`,
      );
    }
  }

  /** Reads the other instances' connections once, then every refresh interval. */
  async start(): Promise<void> {
    this.#running = true;
    await this.refresh().catch((error: Error) => this.#warn("connections elsewhere not read", error));
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.settled();
  }

  /** The broker's event: the first device of `dataSourceId` connected to this instance. */
  connected(dataSourceId: string): void {
    this.#here.add(dataSourceId);
    this.#markDirty(dataSourceId);
  }

  /** The broker's event: the last device of `dataSourceId` left this instance. */
  disconnected(dataSourceId: string): void {
    this.#here.delete(dataSourceId);
    this.#markDirty(dataSourceId);
  }

  /** True when a device of `dataSourceId` is connected to another live instance (as of the last read). */
  connectedElsewhere(dataSourceId: string): boolean {
    if (performance.now() - this.#readAt > this.#maxAgeMs) return false;
    return this.#elsewhere.has(dataSourceId);
  }

  /** Reads the data sources connected to other live instances now. */
  async refresh(): Promise<void> {
    const readAt = performance.now();
    const elsewhere = await this.#options.registry.connectedOnOtherInstances();
    // A slower read started earlier must not replace a newer one.
    if (readAt < this.#readAt) return;
    this.#elsewhere = elsewhere;
    this.#readAt = readAt;
  }

  /** Resolves once this instance's connection changes so far are written (or failed, to be tried again). */
  async settled(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  #markDirty(dataSourceId: string): void {
    this.#dirty.add(dataSourceId);
    this.#write();
  }

  #write(): void {
    if (this.#writing) return;
    this.#writing = this.#writeDirty().finally(() => {
      this.#writing = undefined;
    });
  }

  /** Brings each dirty data source's row to what #here says now: a quick connect-disconnect writes little. */
  async #writeDirty(): Promise<void> {
    const failed: string[] = [];
    while (this.#dirty.size > 0) {
      const id = this.#dirty.values().next().value as string;
      this.#dirty.delete(id);
      const { registry } = this.#options;
      try {
        if (this.#here.has(id)) await registry.connected(id, id);
        else await registry.disconnected(id, id);
      } catch (error) {
        failed.push(id);
        this.#warn("device connection not recorded; trying again", error as Error);
      }
    }
    // Tried again on the next refresh, not at once: the database is likely down.
    for (const id of failed) this.#dirty.add(id);
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      if (this.#dirty.size > 0) this.#write();
      this.refresh()
        .catch((error: Error) => this.#warn("connections elsewhere not read", error))
        .finally(() => this.#schedule());
    }, this.#refreshMs);
  }

  #warn(message: string, error: Error): void {
    this.#options.logger?.warn(message, { reason: error.message });
  }
}
