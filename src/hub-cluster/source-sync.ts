import type { DeviceDirectory } from "../broker/device-directory.ts";
import type { NotificationListener } from "../cluster/pg-notifier.ts";
import type { DataSource } from "../domain/data-source.ts";
import type { Logger } from "../platform/logger.ts";
import type { DeviceCredential } from "../storage/ports.ts";

/** Where a data source's committed state is read again: the data source store, adapted. */
export interface SourceCatalog {
  get(id: string): Promise<DataSource | undefined>;
  /** The device credential of one data source; undefined when it has none (deleted). */
  credential(id: string): Promise<DeviceCredential | undefined>;
  list(): Promise<DataSource[]>;
  credentials(): Promise<DeviceCredential[]>;
}

/** The LISTEN side of PgNotifier. */
export interface ChangeListener {
  listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>>;
}

export type SyncedDirectory = Pick<DeviceDirectory, "get" | "put" | "remove" | "ids">;

export interface SourceSyncOptions {
  readonly notifier: ChangeListener;
  /** The channel the store announces each changed data source's id on (aiida_data_source). */
  readonly channel: string;
  readonly catalog: SourceCatalog;
  readonly directory: SyncedDirectory;
  /** Closes a data source's device connections on this instance: broker.disconnectSource. */
  readonly disconnect: (dataSourceId: string) => void;
  /** Wait before reading again after the database failed to answer (default 1 s). */
  readonly retryDelayMs?: number;
  readonly logger?: Logger;
}

/**
 * Keeps this instance's DeviceDirectory in step with changes committed on any instance: each announced
 * id is read again, and a device whose data source went, was disabled or got a new password is
 * disconnected. After the listen session was lost, everything is read again. Reads never overlap, so an
 * older read never overwrites a newer one.
 */
export class SourceSync {
  readonly #options: SourceSyncOptions;
  /** Ids announced and not yet read again. */
  readonly #pending = new Set<string>();
  #resyncWanted = false;
  #draining: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #running = false;

  constructor(options: SourceSyncOptions) {
    this.#options = options;
  }

  /** Listens, then reads everything once: a change committed before the LISTEN is not missed. */
  async start(): Promise<void> {
    this.#running = true;
    try {
      this.#unlisten = await this.#options.notifier.listen(this.#options.channel, {
        onMessage: (id) => this.#changed(id),
        onMissed: () => this.resync(),
      });
    } catch (error) {
      this.#running = false;
      throw error;
    }
    this.resync();
    await this.settled();
  }

  /** Reads every data source again (what a lost listen session may have missed). */
  resync(): void {
    this.#resyncWanted = true;
    this.#kick();
  }

  /** Resolves once every change announced so far has been applied (or failed and waits for its retry). */
  async settled(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#retryTimer);
    await this.#unlisten?.();
    this.#unlisten = undefined;
    await this.settled();
  }

  #changed(id: string): void {
    this.#pending.add(id);
    this.#kick();
  }

  #kick(): void {
    if (this.#draining || !this.#running) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  async #drain(): Promise<void> {
    while (this.#running && (this.#resyncWanted || this.#pending.size > 0)) {
      if (this.#resyncWanted) {
        this.#resyncWanted = false;
        // Ids announced until now are covered by the full read that starts after this line.
        this.#pending.clear();
        await this.#resyncAll().catch((error: Error) => {
          this.#resyncWanted = true;
          this.#retryLater("data sources could not be read again", error);
        });
      } else {
        const ids = [...this.#pending];
        this.#pending.clear();
        await Promise.all(
          ids.map((id) =>
            this.#reload(id).catch((error: Error) => {
              this.#pending.add(id);
              this.#retryLater("a changed data source could not be read again", error);
            }),
          ),
        );
      }
      if (this.#retryTimer) return;
    }
  }

  async #reload(id: string): Promise<void> {
    const [source, credential] = await Promise.all([
      this.#options.catalog.get(id),
      this.#options.catalog.credential(id),
    ]);
    this.#apply(id, source, credential);
  }

  async #resyncAll(): Promise<void> {
    const [sources, credentials] = await Promise.all([
      this.#options.catalog.list(),
      this.#options.catalog.credentials(),
    ]);
    const byId = new Map(credentials.map((credential) => [credential.dataSourceId, credential]));
    const present = new Set<string>();
    for (const source of sources) {
      present.add(source.id);
      this.#apply(source.id, source, byId.get(source.id));
    }
    for (const id of this.#options.directory.ids()) {
      if (!present.has(id)) this.#apply(id, undefined, undefined);
    }
  }

  #apply(id: string, source: DataSource | undefined, credential: DeviceCredential | undefined): void {
    const { directory, disconnect } = this.#options;
    if (!source || !credential) {
      directory.remove(id);
      disconnect(id);
      return;
    }
    const before = directory.get(id)?.password;
    const password = credential.password;
    directory.put({ source, password });
    const rekeyed = before !== undefined && (before.hash !== password.hash || before.salt !== password.salt);
    if (!source.enabled || rekeyed) disconnect(id);
  }

  #retryLater(what: string, error: Error): void {
    this.#options.logger?.warn(`${what}; trying again`, { reason: error.message });
    if (this.#retryTimer || !this.#running) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#kick();
    }, this.#options.retryDelayMs ?? 1000);
  }
}
