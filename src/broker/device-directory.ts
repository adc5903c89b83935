import type { DataSource } from "../domain/data-source.ts";
import type { DevicePasswordHash } from "../platform/secrets.ts";

/** A device as the broker sees it: its data source and the hash its password is checked against. */
export interface DeviceEntry {
  readonly source: DataSource;
  readonly password: DevicePasswordHash;
}

/**
 * The broker's in-memory view of all data sources, so connecting and publishing never touch the
 * database. The data source service keeps it in step with every write.
 */
export class DeviceDirectory {
  private readonly entries = new Map<string, DeviceEntry>();

  get(id: string): DeviceEntry | undefined {
    return this.entries.get(id);
  }

  put(entry: DeviceEntry): void {
    this.entries.set(entry.source.id, entry);
  }

  updateSource(source: DataSource): void {
    const entry = this.entries.get(source.id);
    if (entry) this.entries.set(source.id, { ...entry, source });
  }

  remove(id: string): void {
    this.entries.delete(id);
  }

  /** Every data source id held: what a full resync compares with the database. */
  ids(): string[] {
    return [...this.entries.keys()];
  }
}
