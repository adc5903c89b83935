import type { Logger } from "./logger.ts";

/** Fans events out to listeners; one listener that throws never stops the others. */
export class FanOut<T> {
  private readonly listeners = new Set<(event: T) => void>();

  constructor(
    private readonly name: string,
    private readonly logger: Logger,
  ) {}

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (event: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: T): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error(`a ${this.name} listener failed`, { error: String(err) });
      }
    }
  }
}
