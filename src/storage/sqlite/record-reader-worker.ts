import { parentPort, workerData } from "node:worker_threads";
import { openReadOnlyDatabase } from "./open-database.ts";
import type { ReaderData, ReaderRequest, ReaderResponse, ReaderResults } from "./record-reader-protocol.ts";
import { SqliteRecordReader } from "./record-repository.ts";

// The reader thread: owns a read-only connection for record queries, so a long chart query never
// blocks the thread that speaks MQTT and HTTP. Requests run one at a time, in the order they came.
const port = parentPort;
if (!port) throw new Error("record-reader-worker must run as a worker thread");
const db = open((workerData as ReaderData).file);
const reader = new SqliteRecordReader(db);

function open(file: string) {
  try {
    return openReadOnlyDatabase(file);
  } catch (err) {
    // A SqliteError leaving the thread reaches the parent without its message: hand it on in a plain Error.
    const code = (err as { code?: string }).code;
    throw new Error(`cannot open ${file} for reading: ${err instanceof Error ? err.message : err} (${code})`);
  }
}

function run(request: ReaderRequest): ReaderResults[ReaderRequest["kind"]] {
  switch (request.kind) {
    case "latest":
      return reader.latest(request.dataSourceId, request.key);
    case "query":
      return reader.query(request.dataSourceId, request.key, request.query);
    case "series":
      return reader.series(request.key, request.from, request.to, request.bucketMs, request.obis);
    case "feedback":
      return reader.feedback(request.key, request.limit);
    case "quantities":
      return reader.quantitiesIn(request.key, request.from, request.to);
    case "exportPage":
      return reader.exportPage(request.key, request.query);
    case "energy":
      return reader.energy(request.key, request.edges, request.maxGapMs);
    case "close":
      db.close();
      return null;
  }
}

port.postMessage({ ready: true });
port.on("message", (request: ReaderRequest) => {
  let response: ReaderResponse;
  try {
    response = { id: request.id, ok: true, result: run(request) };
  } catch (err) {
    const code = (err as { code?: string }).code;
    response = { id: request.id, ok: false, error: err instanceof Error ? err.message : String(err), code };
  }
  port.postMessage(response);
  if (request.kind === "close") port.close();
});
