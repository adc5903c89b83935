import { randomUUID } from "node:crypto";
import type { DeviceDirectory } from "../broker/device-directory.ts";
import { type DataSource, dataTopic } from "../domain/data-source.ts";
import { type DataSourceRole, defaultRoleOf } from "../domain/data-source-role.ts";
import { HubError } from "../domain/hub-error.ts";
import { hashDevicePassword, randomBase62 } from "../platform/secrets.ts";
import type { DataSourcePatch, DataSourceStore } from "../storage/ports.ts";

/** Length of generated device passwords: 24 base62 characters ≈ 143 bits, far beyond guessing. */
export const DEVICE_PASSWORD_LENGTH = 24;

/** What a user supplies to create a data source (already validated); without a role, its asset's default. */
export type NewDataSource = Omit<DataSource, "id" | "role" | "createdAt" | "updatedAt"> & {
  readonly role?: DataSourceRole | undefined;
};

/** The connection details handed to the user; the password appears here and nowhere else, once. */
export interface DeviceSecrets {
  readonly dataSourceId: string;
  readonly brokerUrl: string;
  readonly topic: string;
  readonly username: string;
  readonly password: string;
}

/** Side effects on live connections when a data source changes. */
export interface ConnectionControl {
  disconnectSource(dataSourceId: string): void;
}

/** Creates, changes and removes data sources, keeping the broker's view and live connections in step. */
export class DataSourceService {
  constructor(
    private readonly store: DataSourceStore,
    private readonly directory: DeviceDirectory,
    private readonly connections: ConnectionControl,
    private readonly brokerUrl: () => string,
    private readonly now: () => number = Date.now,
    /** Runs before a data source is deleted (the permissions that share it are revoked there). */
    private readonly beforeDelete: (dataSourceId: string) => Promise<void> = async () => {},
  ) {}

  /** Loads every data source into the broker's directory (at start-up). */
  async loadDirectory(): Promise<void> {
    const sources = new Map((await this.store.list()).map((s) => [s.id, s]));
    for (const cred of await this.store.credentials()) {
      const source = sources.get(cred.dataSourceId);
      if (source) this.directory.put({ source, password: cred.password });
    }
  }

  async create(input: NewDataSource): Promise<{ source: DataSource; secrets: DeviceSecrets }> {
    const now = this.now();
    const source: DataSource = {
      ...input,
      role: input.role ?? defaultRoleOf(input.asset),
      id: randomUUID(),
      createdAt: now,
      updatedAt: now,
    };
    const password = randomBase62(DEVICE_PASSWORD_LENGTH);
    const hash = hashDevicePassword(password);
    await this.store.create(source, hash);
    this.directory.put({ source, password: hash });
    return { source, secrets: this.secretsFor(source.id, password) };
  }

  async get(id: string): Promise<DataSource> {
    const source = await this.store.get(id);
    if (!source) throw notFound(id);
    return source;
  }

  async list(): Promise<DataSource[]> {
    return await this.store.list();
  }

  async update(id: string, patch: DataSourcePatch): Promise<DataSource> {
    const updated = await this.store.update(id, patch, this.now());
    if (!updated) throw notFound(id);
    this.directory.updateSource(updated);
    if (!updated.enabled) this.connections.disconnectSource(id);
    return updated;
  }

  async regeneratePassword(id: string): Promise<DeviceSecrets> {
    const password = randomBase62(DEVICE_PASSWORD_LENGTH);
    const hash = hashDevicePassword(password);
    if (!(await this.store.setPassword(id, hash, this.now()))) throw notFound(id);
    const source = await this.get(id);
    this.directory.put({ source, password: hash });
    this.connections.disconnectSource(id);
    return this.secretsFor(id, password);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.store.get(id))) throw notFound(id);
    await this.beforeDelete(id);
    await this.store.delete(id);
    this.directory.remove(id);
    this.connections.disconnectSource(id);
  }

  private secretsFor(id: string, password: string): DeviceSecrets {
    return { dataSourceId: id, brokerUrl: this.brokerUrl(), topic: dataTopic(id), username: id, password };
  }
}

function notFound(id: string): HubError {
  return new HubError("NOT_FOUND", `No data source with id ${id}.`);
}
