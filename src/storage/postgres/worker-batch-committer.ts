import type { WireOutcome } from "../sqlite/wire-outcome.ts";
import { WorkerChannel } from "../sqlite/worker-channel.ts";
import type { BatchWriterData, BatchWriterRequest } from "./batch-writer-protocol.ts";
import type { BatchCommitter } from "./record-batch-committer.ts";

/** The main thread's handle on the batch writer thread (batch-writer-worker.ts). */
export class WorkerBatchCommitter implements BatchCommitter {
  private readonly channel: WorkerChannel<BatchWriterRequest>;
  /** Settles when the thread has connected and learnt the partitions there are (or failed to start). */
  readonly ready: Promise<void>;

  constructor(url: string, applicationName: string) {
    const data: BatchWriterData = { url, applicationName };
    this.channel = new WorkerChannel(
      new URL("./batch-writer-entry.mjs", import.meta.url),
      data,
      "record batch writer",
    );
    this.ready = this.channel.ready;
  }

  async write(wire: readonly WireOutcome[]): Promise<void> {
    await this.channel.call({ kind: "write", outcomes: wire });
  }

  onFailure(listener: (err: Error) => void): void {
    this.channel.onFailure(listener);
  }

  close(): Promise<void> {
    return this.channel.close({ kind: "close" });
  }
}
