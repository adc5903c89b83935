import type Database from "better-sqlite3";

/** The in-memory map from data source id (UUID) to its compact integer key used in record rows, and back. */
export class DataSourceKeys {
  private readonly byId = new Map<string, number>();
  private readonly byKey = new Map<number, string>();

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

  idOf(key: number): string | undefined {
    return this.byKey.get(key);
  }

  set(id: string, key: number): void {
    this.byId.set(id, key);
    this.byKey.set(key, id);
  }

  delete(id: string): void {
    const key = this.byId.get(id);
    if (key !== undefined) this.byKey.delete(key);
    this.byId.delete(id);
  }
}
