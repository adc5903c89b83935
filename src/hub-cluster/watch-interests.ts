/** Which data sources an instance has live viewers for: some, or every one (an overview page is open). */
export type Watched = ReadonlySet<string> | "all";

/**
 * What the other instances last said they watch, each until its announcement expires unless renewed:
 * an instance that died stops receiving records after at most `ttlMs`.
 */
export class WatchInterests {
  readonly #ttlMs: number;
  readonly #byInstance = new Map<string, { watched: Watched; expiresAt: number }>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  /** `instance` watches `watched` from now on (replacing what it said before). */
  renew(instance: string, watched: Watched, now = performance.now()): void {
    this.#byInstance.set(instance, { watched, expiresAt: now + this.#ttlMs });
  }

  /** `instance` has stopped: it watches nothing. */
  remove(instance: string): void {
    this.#byInstance.delete(instance);
  }

  /** True when some instance with an unexpired announcement watches `dataSourceId`. */
  wants(dataSourceId: string, now = performance.now()): boolean {
    for (const [instance, { watched, expiresAt }] of this.#byInstance) {
      if (expiresAt <= now) {
        this.#byInstance.delete(instance);
        continue;
      }
      if (watched === "all" || watched.has(dataSourceId)) return true;
    }
    return false;
  }
}
