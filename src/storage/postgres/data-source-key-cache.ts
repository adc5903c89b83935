import type { PgPool } from "./pg-pool.ts";

/**
 * Data source ids (UUIDs) to their compact keys in record rows, kept in memory; an id not known yet is
 * looked up in data_source (a source created on another hub instance is in the database only). Keys
 * are never reused, so an entry of a source deleted since is harmless: writes check existence anew.
 */
export class DataSourceKeyCache {
  private readonly byId = new Map<string, number>();

  constructor(private readonly pool: PgPool) {}

  /** The keys of those of `ids` that exist (or existed while cached); unknown ids are left out. */
  async keysOf(ids: Iterable<string>): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const missing = new Set<string>();
    for (const id of ids) {
      const key = this.byId.get(id);
      if (key === undefined) missing.add(id);
      else found.set(id, key);
    }
    if (missing.size === 0) return found;
    const result = await this.pool.query<{ id: string; key: number }>({
      name: "data-source-keys-of",
      text: "SELECT id, key FROM data_source WHERE id = ANY($1::text[])",
      values: [[...missing]],
    });
    for (const { id, key } of result.rows) {
      this.byId.set(id, key);
      found.set(id, key);
    }
    return found;
  }
}
