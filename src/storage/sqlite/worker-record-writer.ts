import type { IngestOutcome, RecordWriter, RollupProgress } from "../ports.ts";
import type { DataSourceKeys } from "./data-source-keys.ts";
import { DATABASE_LOST } from "./database-file.ts";
import type { WriterData, WriterRequest, WriterResult } from "./record-writer-protocol.ts";
import type { RollupStepResult } from "./rollup.ts";
import { toWire, type WireOutcome } from "./wire-outcome.ts";
import { type WithoutId, WorkerChannel } from "./worker-channel.ts";
import { mayBeOneMessage } from "./write-failure.ts";

/** The main thread's handle on the writer thread: every call is one message and one answer, in order. */
export class WorkerRecordWriter implements RecordWriter {
  private readonly channel: WorkerChannel<WriterRequest>;
  /** The writer thread's refusal once it found the database file gone: later writes get it at once. */
  private lost: Error | undefined;
  private readonly lostListeners: ((reason: string) => void)[] = [];
  /** Settles when the thread has opened the database (or failed to start). */
  readonly ready: Promise<void>;

  constructor(
    file: string,
    private readonly keys: DataSourceKeys,
  ) {
    const data: WriterData = { file };
    this.channel = new WorkerChannel(
      new URL("./record-writer-entry.mjs", import.meta.url),
      data,
      "record writer",
    );
    this.ready = this.channel.ready;
  }

  async write(outcomes: readonly IngestOutcome[]): Promise<void> {
    const wire: WireOutcome[] = [];
    for (const o of outcomes) {
      const key = this.keys.get(o.dataSourceId);
      if (key !== undefined) wire.push(toWire(o, key)); // no key: deleted while the message was in flight
    }
    if (wire.length === 0) return;
    if (this.lost) throw this.lost;
    try {
      await this.call({ kind: "write", outcomes: wire });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === DATABASE_LOST && !this.lost) {
        this.lost = err as Error;
        for (const listener of this.lostListeners) listener(this.lost.message);
      }
      throw Object.assign(err as Error, { isolable: mayBeOneMessage(code) });
    }
  }

  async deleteOlderThan(before: number, batch: number): Promise<number> {
    return (await this.call({ kind: "deleteOlderThan", before, batch })) as number;
  }

  async rollupStep(now: number): Promise<RollupProgress> {
    const step = (await this.call({ kind: "rollupStep", now })) as RollupStepResult;
    const failing = new Map<string, string>();
    for (const [key, error] of step.failing) {
      const id = this.keys.idOf(key);
      if (id !== undefined) failing.set(id, error); // undefined: deleted meanwhile
    }
    return { worked: step.worked, failing };
  }

  /** Calls `listener` once if the thread dies: from then on every write is refused, nothing restarts it. */
  onFailure(listener: (err: Error) => void): void {
    this.channel.onFailure(listener);
  }

  /** Calls `listener` once, with why, when the writer thread finds the database file deleted or replaced. */
  onDatabaseLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  /** Ends the thread at once, as a crash would (for tests of what the hub does then). */
  kill(): Promise<void> {
    return this.channel.kill();
  }

  /** Finishes what was asked, closes the writer's connection and ends the thread. */
  close(): Promise<void> {
    return this.channel.close({ kind: "close" });
  }

  private call(request: WithoutId<WriterRequest>): Promise<WriterResult> {
    return this.channel.call(request) as Promise<WriterResult>;
  }
}
