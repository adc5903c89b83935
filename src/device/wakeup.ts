/**
 * A level-free "something changed" signal for event loops: take `next()` before checking state, then
 * await it if there is nothing to do; any `notify()` after the take resolves it, so no change is missed.
 */
export class Wakeup {
  #resolve: () => void = () => {};
  #promise: Promise<void> = this.#fresh();

  #fresh(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** Resolves at the first notify() after this call. */
  next(): Promise<void> {
    return this.#promise;
  }

  /** Wakes everyone waiting on the current promise. */
  notify(): void {
    const resolve = this.#resolve;
    this.#promise = this.#fresh();
    resolve();
  }

  /** Resolves at the next notify() or after `ms`, whichever is first. */
  async nextOrTimeout(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([this.next(), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    } finally {
      clearTimeout(timer);
    }
  }
}
