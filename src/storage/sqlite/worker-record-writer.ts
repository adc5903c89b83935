import { Worker } from "node:worker_threads";
import type { IngestOutcome, RecordWriter } from "../ports.ts";
import type { DataSourceKeys } from "./data-source-keys.ts";
import type { WriterData, WriterRequest, WriterResponse } from "./record-writer-protocol.ts";
import { toWire, type WireOutcome } from "./wire-outcome.ts";

type Pending = { resolve: (result: number | boolean | null) => void; reject: (err: Error) => void };

/** Distributes the request union over its members so each keeps its own fields when `id` is left out. */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** The main thread's handle on the writer thread: every call is one message and one answer, in order. */
export class WorkerRecordWriter implements RecordWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;
  /** Settles when the thread has opened the database (or failed to start). */
  readonly ready: Promise<void>;

  constructor(
    file: string,
    private readonly keys: DataSourceKeys,
  ) {
    const data: WriterData = { file };
    this.worker = new Worker(new URL("./record-writer-entry.mjs", import.meta.url), { workerData: data });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once("message", () => resolve());
      this.worker.once("error", reject);
      this.worker.once("exit", (code) =>
        reject(new Error(`the record writer thread exited (${code}) while starting`)),
      );
    });
    this.ready.catch(() => {}); // the failure is also kept in this.failure for every later call
    this.worker.on("message", (response: WriterResponse | { ready: true }) => {
      if (!("id" in response)) return;
      const p = this.pending.get(response.id);
      if (!p) return;
      this.pending.delete(response.id);
      if (response.ok) p.resolve(response.result);
      else p.reject(Object.assign(new Error(response.error), { code: response.code }));
    });
    this.worker.on("error", (err) => this.fail(err));
    this.worker.on("exit", (code) => this.fail(new Error(`the record writer thread exited (${code})`)));
  }

  async write(outcomes: readonly IngestOutcome[]): Promise<void> {
    const wire: WireOutcome[] = [];
    for (const o of outcomes) {
      const key = this.keys.get(o.dataSourceId);
      if (key !== undefined) wire.push(toWire(o, key)); // no key: deleted while the message was in flight
    }
    if (wire.length > 0) await this.call({ kind: "write", outcomes: wire });
  }

  async deleteOlderThan(before: number, batch: number): Promise<number> {
    return (await this.call({ kind: "deleteOlderThan", before, batch })) as number;
  }

  async rollupStep(now: number): Promise<boolean> {
    return (await this.call({ kind: "rollupStep", now })) as boolean;
  }

  /** Finishes what was asked, closes the writer's connection and ends the thread. */
  async close(): Promise<void> {
    if (this.failure) return;
    await this.call({ kind: "close" });
    await this.worker.terminate();
  }

  private call(request: WithoutId<WriterRequest>): Promise<number | boolean | null> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
