import { Worker } from "node:worker_threads";

type Pending = { resolve: (result: unknown) => void; reject: (err: Error) => void };

/** Distributes a request union over its members so each keeps its own fields when `id` is left out. */
export type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** A thread's answer to one request, as both database threads send it. */
export type ChannelResponse =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string; readonly code: string | undefined };

/**
 * Requests to a database thread and their answers, matched by id: the thread answers each request
 * with one message, in order. Once the thread fails, exits or is closed, every pending and later
 * call is rejected with an error that says which.
 */
export class WorkerChannel<Request extends { readonly id: number; readonly kind: string }> {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;
  private readonly failureListeners: ((err: Error) => void)[] = [];
  private startFailed: (err: Error) => void = () => {};
  /** Settles when the thread has opened its connection (it posts `{ ready: true }`) or failed to start. */
  readonly ready: Promise<void>;

  constructor(
    entry: URL,
    workerData: unknown,
    /** Names the thread in errors: "record writer", "record reader". */
    private readonly name: string,
  ) {
    this.worker = new Worker(entry, { workerData });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once("message", () => resolve());
      this.startFailed = reject;
    });
    this.ready.catch(() => {}); // the failure is also kept for every later call
    this.worker.on("message", (response: ChannelResponse | { ready: true }) => {
      if (!("id" in response)) return;
      const p = this.pending.get(response.id);
      if (!p) return;
      this.pending.delete(response.id);
      if (response.ok) p.resolve(response.result);
      else p.reject(Object.assign(new Error(response.error), { code: response.code }));
    });
    this.worker.on("error", (err) => this.fail(new Error(`the ${name} thread failed: ${reason(err)}`)));
    this.worker.on("exit", (code) => this.fail(new Error(`the ${name} thread exited (${code})`)));
  }

  /** Why calls are refused (the thread failed, exited or was closed); undefined while it serves. */
  get refusal(): Error | undefined {
    return this.failure;
  }

  /**
   * Calls `listener` once when the thread fails or exits without having been closed (a crash): the
   * owner decides what happens next, since nothing restarts the thread here.
   */
  onFailure(listener: (err: Error) => void): void {
    this.failureListeners.push(listener);
  }

  /** Ends the thread at once without closing its connection, as a crash does (for tests of what follows). */
  async kill(): Promise<void> {
    await this.worker.terminate();
  }

  /** Sends one request; resolves with the thread's result. */
  call(request: WithoutId<Request>): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  /**
   * Sends `request` (the thread's close), refuses later calls, waits for the answer (the requests
   * sent before it are answered first), then ends the thread.
   */
  async close(request: WithoutId<Request>): Promise<void> {
    if (this.failure) {
      await this.worker.terminate();
      return;
    }
    const closed = this.call(request);
    this.failure = new Error(`the ${this.name} is closed`);
    try {
      await closed;
    } finally {
      await this.worker.terminate();
    }
  }

  private fail(err: Error): void {
    if (this.failure === undefined) {
      this.failure = err;
      for (const listener of this.failureListeners) listener(err);
    }
    this.startFailed(err); // no effect once the thread has started
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** A thread's uncaught error arrives cloned; a SqliteError (not cloneable as an Error) loses its message. */
function reason(err: unknown): string {
  if (err instanceof Error) return err.message;
  const { message, code } = (err ?? {}) as { message?: unknown; code?: unknown };
  return [message, code].filter((part) => part !== undefined).join(" ") || String(err);
}
