import { Worker } from "node:worker_threads";
import type { AiidaRecord } from "../../domain/aiida-record.ts";
import type { FeedbackReport, RecordQuery, RecordStore, SeriesPoint } from "../ports.ts";
import type { DataSourceKeys } from "./data-source-keys.ts";
import type { ReaderData, ReaderRequest, ReaderResponse, ReaderResults } from "./record-reader-protocol.ts";

type Pending = { resolve: (result: unknown) => void; reject: (err: Error) => void };

/** Distributes the request union over its members so each keeps its own fields when `id` is left out. */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/**
 * The main thread's handle on the reader thread: every read is one message and one answer. The key
 * map stays on this thread, kept current by the data source store, and each request carries the key,
 * so a data source created a moment ago reads at once and a deleted one reads as empty.
 */
export class WorkerRecordReader implements RecordStore {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Why calls are refused: the thread failed or exited, or close() was called. */
  private failure: Error | undefined;
  /** Settles when the thread has opened the database (or failed to start). */
  readonly ready: Promise<void>;
  private startFailed: (err: Error) => void = () => {};

  constructor(
    file: string,
    private readonly keys: DataSourceKeys,
  ) {
    const data: ReaderData = { file };
    this.worker = new Worker(new URL("./record-reader-entry.mjs", import.meta.url), { workerData: data });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once("message", () => resolve());
      this.startFailed = reject;
    });
    this.ready.catch(() => {}); // the failure is also kept in this.failure for every later call
    this.worker.on("message", (response: ReaderResponse | { ready: true }) => {
      if (!("id" in response)) return;
      const p = this.pending.get(response.id);
      if (!p) return;
      this.pending.delete(response.id);
      if (response.ok) p.resolve(response.result);
      else p.reject(Object.assign(new Error(response.error), { code: response.code }));
    });
    this.worker.on("error", (err) => this.fail(new Error(`the record reader thread failed: ${reason(err)}`)));
    this.worker.on("exit", (code) => this.fail(new Error(`the record reader thread exited (${code})`)));
  }

  latest(dataSourceId: string): Promise<AiidaRecord | undefined> {
    return this.read<"latest">(dataSourceId, undefined, (key) => ({ kind: "latest", dataSourceId, key }));
  }

  query(dataSourceId: string, query: RecordQuery): Promise<AiidaRecord[]> {
    return this.read<"query">(dataSourceId, [], (key) => ({ kind: "query", dataSourceId, key, query }));
  }

  series(
    dataSourceId: string,
    from: number,
    to: number,
    bucketMs: number,
    obis: readonly string[] | undefined,
  ): Promise<Map<string, SeriesPoint[]>> {
    return this.read<"series">(dataSourceId, new Map(), (key) => ({
      kind: "series",
      key,
      from,
      to,
      bucketMs,
      obis,
    }));
  }

  feedback(dataSourceId: string, limit: number): Promise<FeedbackReport[]> {
    return this.read<"feedback">(dataSourceId, [], (key) => ({ kind: "feedback", key, limit }));
  }

  /**
   * Lets the reads already sent finish (the thread answers in order), then closes the reader's
   * connection and ends the thread; reads asked for after this are refused.
   */
  async close(): Promise<void> {
    if (this.failure) {
      await this.worker.terminate();
      return;
    }
    const closed = this.call({ kind: "close" });
    this.failure = new Error("the record reader is closed");
    try {
      await closed;
    } finally {
      await this.worker.terminate();
    }
  }

  /** Resolves the key here, where the map is kept current; an unknown id reads as `empty`. */
  private read<K extends ReaderRequest["kind"]>(
    dataSourceId: string,
    empty: ReaderResults[K],
    request: (key: number) => WithoutId<Extract<ReaderRequest, { kind: K }>>,
  ): Promise<ReaderResults[K]> {
    if (this.failure) return Promise.reject(this.failure);
    const key = this.keys.get(dataSourceId);
    if (key === undefined) return Promise.resolve(empty);
    return this.call<K>(request(key));
  }

  private call<K extends ReaderRequest["kind"]>(
    request: WithoutId<Extract<ReaderRequest, { kind: K }>>,
  ): Promise<ReaderResults[K]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
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
