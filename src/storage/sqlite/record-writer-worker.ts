import { parentPort, workerData } from "node:worker_threads";
import { openDatabase } from "./open-database.ts";
import { RecordBatchWriter } from "./record-batch-writer.ts";
import type { WriterData, WriterRequest, WriterResponse } from "./record-writer-protocol.ts";
import { HourlyRollup } from "./rollup.ts";

// The writer thread: owns the connection that writes records, so commits (and their fsync) never
// block the thread that speaks MQTT and HTTP.
const port = parentPort;
if (!port) throw new Error("record-writer-worker must run as a worker thread");
const db = openDatabase((workerData as WriterData).file);
const rollup = new HourlyRollup(db);
const writer = new RecordBatchWriter(db, rollup);

port.postMessage({ ready: true });
port.on("message", (request: WriterRequest) => {
  let response: WriterResponse;
  try {
    let result: number | boolean | null = null;
    if (request.kind === "write") writer.write(request.outcomes);
    else if (request.kind === "deleteOlderThan")
      result = writer.deleteOlderThan(request.before, request.batch);
    else if (request.kind === "rollupStep") result = rollup.step(request.now);
    else db.close();
    response = { id: request.id, ok: true, result };
  } catch (err) {
    const code = (err as { code?: string }).code;
    response = { id: request.id, ok: false, error: err instanceof Error ? err.message : String(err), code };
  }
  port.postMessage(response);
  if (request.kind === "close") port.close();
});
