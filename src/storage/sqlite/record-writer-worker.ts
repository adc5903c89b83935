import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { DATABASE_LOST, DatabaseFile } from "./database-file.ts";
import { openDatabase } from "./open-database.ts";
import { RecordBatchWriter } from "./record-batch-writer.ts";
import type { WriterData, WriterRequest, WriterResponse, WriterResult } from "./record-writer-protocol.ts";
import { HourlyRollup } from "./rollup.ts";
import type { WireOutcome } from "./wire-outcome.ts";
import { mayBeOneMessage } from "./write-failure.ts";

// The writer thread: owns the connection that writes records, so commits (and their fsync) never
// block the thread that speaks MQTT and HTTP.
const port = parentPort;
if (!port) throw new Error("record-writer-worker must run as a worker thread");
const db = openDatabase((workerData as WriterData).file);
const rollup = new HourlyRollup(db);
const writer = new RecordBatchWriter(db, rollup);
const file = new DatabaseFile((workerData as WriterData).file);
/** Set once the database file is deleted or replaced: nothing written from then on would be kept. */
let lost: string | undefined;

type WriteRequest = Extract<WriterRequest, { kind: "write" }>;

port.postMessage({ ready: true });
port.on("message", (request: WriterRequest) => {
  if (request.kind !== "write") return handle(request);
  // Writes that queued up while the last commit was running go into one transaction (group commit
  // on this side too): one fsync for all of them, and none waits for a round trip to the main thread.
  const writes: WriteRequest[] = [request];
  let other: Exclude<WriterRequest, WriteRequest> | undefined;
  for (let queued = receiveMessageOnPort(port); queued; queued = receiveMessageOnPort(port)) {
    const message = queued.message as WriterRequest;
    if (message.kind !== "write") {
      other = message; // answered after the writes that came before it, keeping the order
      break;
    }
    writes.push(message);
  }
  commitWrites(writes);
  if (other) handle(other);
});

function commitWrites(writes: readonly WriteRequest[]): void {
  if (lost) {
    for (const w of writes) port?.postMessage(answer(w.id, lostFailure(lost)));
    return;
  }
  const outcomes: WireOutcome[] = [];
  for (const w of writes) for (const o of w.outcomes) outcomes.push(o);
  const result = write(outcomes);
  // One request's message may have failed them all: each request alone, so the others commit.
  const results =
    !result.ok && writes.length > 1 && mayBeOneMessage(result.code)
      ? writes.map((w) => write(w.outcomes))
      : writes.map(() => result);
  // After the commit, before any acknowledgement: a commit into a deleted file is lost at close.
  lost = file.lostSync();
  for (const [i, w] of writes.entries()) {
    port?.postMessage(answer(w.id, lost ? lostFailure(lost) : (results[i] ?? result)));
  }
}

function lostFailure(reason: string): Attempt {
  return { ok: false, error: reason, code: DATABASE_LOST };
}

function write(outcomes: readonly WireOutcome[]): Attempt {
  return attempt(() => {
    writer.write(outcomes);
    return null;
  });
}

function handle(request: Exclude<WriterRequest, WriteRequest>): void {
  const result = attempt(() => {
    // The background jobs have nothing to do on a file that is gone (and stay quiet about it).
    if (lost && request.kind === "deleteOlderThan") return 0;
    if (lost && request.kind === "rollupStep") return { worked: false, failing: [] };
    if (request.kind === "deleteOlderThan") return writer.deleteOlderThan(request.before, request.batch);
    if (request.kind === "rollupStep") return rollup.step(request.now);
    db.close();
    return null;
  });
  port?.postMessage(answer(request.id, result));
  if (request.kind === "close") port?.close();
}

type Attempt = { ok: true; result: WriterResult } | { ok: false; error: string; code: string | undefined };

function attempt(run: () => WriterResult): Attempt {
  try {
    return { ok: true, result: run() };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { ok: false, error: err instanceof Error ? err.message : String(err), code };
  }
}

function answer(id: number, outcome: Attempt): WriterResponse {
  return { id, ...outcome };
}
