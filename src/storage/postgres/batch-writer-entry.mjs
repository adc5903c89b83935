// Worker entry: a worker thread does not inherit the parent's TypeScript loader, so register tsx here.
import { register } from "tsx/esm/api";

register();
await import("./batch-writer-worker.ts");
