import type { Watched } from "./watch-interests.ts";

/**
 * The data sources this instance's live viewers watch, for LiveRelay's watchedHere(): each open stream
 * holds its data source (or, for the overview page, every one) until it ends.
 */
export class LiveWatchers {
  readonly #counts = new Map<string, number>();
  #all = 0;

  /** `onNewInterest` runs when a data source (or every one) gets its first viewer: LiveRelay#announce. */
  constructor(private readonly onNewInterest: () => void = () => {}) {}

  /** A viewer of `dataSourceId` opened; returns the function its end calls (once). */
  watch(dataSourceId: string): () => void {
    const held = this.#counts.get(dataSourceId) ?? 0;
    this.#counts.set(dataSourceId, held + 1);
    if (held === 0 && this.#all === 0) this.onNewInterest();
    return once(() => {
      const left = (this.#counts.get(dataSourceId) ?? 1) - 1;
      if (left === 0) this.#counts.delete(dataSourceId);
      else this.#counts.set(dataSourceId, left);
    });
  }

  /** A viewer of every data source opened; returns the function its end calls (once). */
  watchAll(): () => void {
    this.#all++;
    if (this.#all === 1) this.onNewInterest();
    return once(() => {
      this.#all--;
    });
  }

  watchedHere(): Watched {
    return this.#all > 0 ? "all" : new Set(this.#counts.keys());
  }
}

function once(release: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    release();
  };
}
