import type { DeviceSessionRecord, DeviceSessionStore, QueuedFeedback } from "../../src/storage/ports.ts";

type Method = keyof DeviceSessionStore;

/**
 * A real device session store whose calls of one method can be held back until the test lets them
 * through: a store that answers late (as a database server does), with the order of answers in the
 * test's hand. Calls that are held run, in the order they came, once released.
 */
export class GatedSessionStore implements DeviceSessionStore {
  private readonly gates = new Map<Method, Promise<void>>();
  /** Calls of each method that have come in (held or not). */
  readonly calls = new Map<Method, number>();

  constructor(private readonly real: DeviceSessionStore) {}

  /** Holds every later call of `method` until the returned function is called. */
  hold(method: Method): () => void {
    let release = () => {};
    this.gates.set(
      method,
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    return () => {
      this.gates.delete(method);
      release();
    };
  }

  private async through<T>(method: Method, call: () => Promise<T>): Promise<T> {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    const gate = this.gates.get(method);
    if (gate !== undefined) await gate;
    return call();
  }

  all(): Promise<DeviceSessionRecord[]> {
    return this.through("all", () => this.real.all());
  }

  save(session: DeviceSessionRecord): Promise<void> {
    return this.through("save", () => this.real.save(session));
  }

  remove(clientId: string): Promise<void> {
    return this.through("remove", () => this.real.remove(clientId));
  }

  removeExpired(now: number): Promise<string[]> {
    return this.through("removeExpired", () => this.real.removeExpired(now));
  }

  enqueue(clientId: string, payloads: readonly Buffer[], maxPerDataSource: number): Promise<number> {
    return this.through("enqueue", () => this.real.enqueue(clientId, payloads, maxPerDataSource));
  }

  queued(clientId: string): Promise<QueuedFeedback[]> {
    return this.through("queued", () => this.real.queued(clientId));
  }

  delivered(clientId: string, ids: readonly number[]): Promise<void> {
    return this.through("delivered", () => this.real.delivered(clientId, ids));
  }
}
