import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { TimeSeriesQuantity } from "../cim/format-time-series.ts";
import { QUALITIES, quantityTypeByCode } from "../domain/quantity-type.ts";
import {
  type MeterReading,
  orderedQuantities,
  type ReadingSource,
  type SourceEvent,
} from "./meter-reading.ts";
import { numericValue } from "./value-mapping.ts";

const ZONED_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function parseTimestamp(value: unknown, receivedAt: number): number {
  if (value === undefined) return receivedAt;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && ZONED_DATE_TIME.test(value)) {
    const parsed = Date.parse(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  throw new Error('"timestamp" must be epoch milliseconds or an ISO 8601 time with a zone (…Z or +01:00)');
}

function parseQuantity(type: unknown, quantity: unknown, quality: unknown): TimeSeriesQuantity {
  const code = typeof type === "string" && /^[0-9]+$/.test(type) ? Number(type) : type;
  if (typeof code !== "number" || quantityTypeByCode(code) === undefined) {
    throw new Error(`type ${JSON.stringify(type)} is not a CIM quantity type 0..35`);
  }
  const value = numericValue(quantity);
  if (value === undefined) throw new Error(`quantity of type ${code} is not a number`);
  if (
    quality !== undefined &&
    (typeof quality !== "string" || !QUALITIES.some((q) => q.name === quality || q.code === quality))
  ) {
    throw new Error(
      `quality ${JSON.stringify(quality)} of type ${code} is not a CIM quality (e.g. "AS_PROVIDED")`,
    );
  }
  return quality === undefined ? { type: code, quantity: value } : { type: code, quantity: value, quality };
}

function parseQuantities(value: unknown): TimeSeriesQuantity[] {
  if (Array.isArray(value)) {
    return value.map((entry: { type?: unknown; quantity?: unknown; quality?: unknown }) =>
      parseQuantity(entry?.type, entry?.quantity, entry?.quality),
    );
  }
  if (value !== null && typeof value === "object") {
    return Object.entries(value).map(([type, quantity]) => parseQuantity(type, quantity, undefined));
  }
  throw new Error('"quantities" must be an array of {type, quantity} or an object {"<type>": quantity}');
}

/**
 * Parses one replay line. Two forms: `{"timestamp": …, "quantities": [{"type": 2, "quantity": 1.5}]}`
 * (or `"quantities": {"2": 1.5}`), and a CIM TimeSeries in AIIDA's dotted spelling. No timestamp = now.
 */
export function parseReplayLine(line: string, receivedAt: number): MeterReading {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new Error("not valid JSON");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new Error("not a JSON object");
  const object = json as Record<string, unknown>;
  const isTimeSeries = "Quantity" in object;
  const timestamp = parseTimestamp(
    isTimeSeries ? object["dateAndOrTime.dateTime"] : object.timestamp,
    receivedAt,
  );
  const quantities = parseQuantities(isTimeSeries ? object.Quantity : object.quantities);
  if (quantities.length === 0) throw new Error("no quantities");
  return { timestamp, quantities: orderedQuantities(quantities) };
}

/** Replays JSON lines from a file ("-" = stdin) or a given stream; ends at end of input. */
export function createReplaySource(file: string, input?: Readable): ReadingSource {
  let stream: Readable | undefined = input;
  async function* events(signal: AbortSignal): AsyncGenerator<SourceEvent> {
    // Opened here, not earlier: an open error needs readline's listener attached to become a read failure.
    stream ??= file === "-" ? process.stdin : createReadStream(file);
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    const stop = () => lines.close();
    signal.addEventListener("abort", stop, { once: true });
    let lineNumber = 0;
    try {
      for await (const line of lines) {
        lineNumber++;
        if (signal.aborted) return;
        if (line.trim() === "") continue;
        try {
          yield { kind: "reading", reading: parseReplayLine(line, Date.now()) };
        } catch (error) {
          yield { kind: "read-failed", message: `line ${lineNumber}: ${(error as Error).message}` };
        }
      }
    } catch (error) {
      yield {
        kind: "read-failed",
        message: `cannot read ${file === "-" ? "stdin" : file}: ${(error as Error).message}`,
      };
    } finally {
      signal.removeEventListener("abort", stop);
      lines.close();
    }
  }
  return {
    description: `replay of ${file === "-" ? "stdin" : file}`,
    bulk: true,
    events,
    close: async () => {
      if (stream !== undefined && stream !== process.stdin) stream.destroy();
    },
  };
}
