import { parentPort, workerData } from "node:worker_threads";
import type { ChannelResponse } from "../sqlite/worker-channel.ts";
import type { BatchWriterData, BatchWriterRequest } from "./batch-writer-protocol.ts";
import { openPgPool } from "./pg-pool.ts";
import { PgBatchCommitter, TRANSACTIONS_IN_FLIGHT } from "./record-batch-committer.ts";
import { RecordMonths } from "./record-months.ts";
import { codeOf } from "./record-write-failure.ts";

// The batch writer thread: lays out, encodes and commits record batches, and reads PostgreSQL's
// answers, so that this work never holds up the thread that speaks MQTT and HTTP.
const port = parentPort;
if (!port) throw new Error("batch-writer-worker must run as a worker thread");
const { url, applicationName } = workerData as BatchWriterData;
// The step-by-step path (a redelivery, a deleted source) and new partitions; the usual batch has its own.
const pool = openPgPool(url, { max: 2, applicationName });
const pipelined = openPgPool(url, { max: TRANSACTIONS_IN_FLIGHT, applicationName, pipeline: true });
const committer = new PgBatchCommitter(pool, await RecordMonths.load(pool), pipelined);

port.postMessage({ ready: true });
port.on("message", (request: BatchWriterRequest) => {
  if (request.kind === "write") {
    committer.write(request.outcomes).then(
      () => answer({ id: request.id, ok: true, result: null }),
      (err: unknown) => answer(failed(request.id, err)),
    );
    return;
  }
  // Close: the writes asked for before it are answered first.
  void (async () => {
    await committer.close();
    await pool.end();
    answer({ id: request.id, ok: true, result: null });
    port.close();
  })();
});

function answer(response: ChannelResponse): void {
  port?.postMessage(response);
}

function failed(id: number, err: unknown): ChannelResponse {
  return { id, ok: false, error: err instanceof Error ? err.message : String(err), code: codeOf(err) };
}
