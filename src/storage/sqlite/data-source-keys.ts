import type Database from "better-sqlite3";

/** The in-memory map from data source id (UUID) to its compact integer key used in record rows. */
export class DataSourceKeys {
  private readonly byId = new Map<string, number>();

  static load(db: Database.Database): DataSourceKeys {
    const keys = new DataSourceKeys();
    for (const row of db.prepare("SELECT id, key FROM data_source").all() as { id: string; key: number }[]) {
      keys.set(row.id, row.key);
    }
    return keys;
  }

  get(id: string): number | undefined {
    return this.byId.get(id);
  }

  set(id: string, key: number): void {
    this.byId.set(id, key);
  }

  delete(id: string): void {
    this.byId.delete(id);
  }
}
