/**
 * How long a lock holder may act on its last confirmation. Counted from when the confirming query was SENT
 * (on the monotonic clock): the server's idle timer starts later, when the query ends, so a lease shorter
 * than the server's idle_session_timeout runs out before the server can release the lock to anyone else.
 */
export class Lease {
  readonly #durationMs: number;
  readonly #onExpired: () => void;
  #confirmedAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(durationMs: number, onExpired: () => void) {
    this.#durationMs = durationMs;
    this.#onExpired = onExpired;
  }

  /** The holder's session answered a query sent at `sentAt` (performance.now()). */
  confirm(sentAt: number): void {
    this.#confirmedAt = Math.max(this.#confirmedAt, sentAt);
    clearTimeout(this.#timer);
    // A process woken from SIGSTOP runs this timer late; valid() is right even before it runs.
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        if (!this.valid()) this.#onExpired();
      },
      Math.max(0, this.#confirmedAt + this.#durationMs - performance.now()),
    );
  }

  /** True while the last confirmation is younger than the lease. */
  valid(): boolean {
    return performance.now() - this.#confirmedAt < this.#durationMs;
  }

  /** Forgets the confirmation: valid() is false from now on. */
  end(): void {
    this.#confirmedAt = Number.NEGATIVE_INFINITY;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
