import type { AiidaRecord, AiidaRecordValue, TimestampSource } from "../domain/aiida-record.ts";
import { obisByKey } from "../domain/obis-code.ts";
import type { FeedbackReport } from "../storage/ports.ts";

/** A live record or feedback report as it travels between instances, with the instance that sent it. */
export type LiveItem =
  | { readonly origin: string; readonly kind: "record"; readonly record: AiidaRecord }
  | { readonly origin: string; readonly kind: "feedback"; readonly report: FeedbackReport };

/** A number JSON cannot hold (NaN, ±Infinity) or would turn into another (-0 becomes 0), as text. */
type WireNumber = number | string;

/** Compact JSON: [origin, "r", id, timestamp, 1 = device time | 0 = receipt, receivedAt, [[obisKey, rawTag, value, quality]…]]. */
type WireRecord = [
  string,
  "r",
  string,
  WireNumber,
  0 | 1,
  WireNumber,
  [number, string, WireNumber, string][],
];
type WireFeedback = [string, "f", FeedbackReport];

function toWireNumber(n: number): WireNumber {
  if (Object.is(n, -0)) return "-0";
  return Number.isFinite(n) ? n : String(n);
}

const NUMBERS_AS_TEXT = new Set(["NaN", "Infinity", "-Infinity", "-0"]);

function fromWireNumber(n: unknown): number | undefined {
  if (typeof n === "number") return n;
  return typeof n === "string" && NUMBERS_AS_TEXT.has(n) ? Number(n) : undefined;
}

/** The JSON value an item is sent as: rebuilt by decodeLiveItem into an equal item. */
export function encodeLiveItem(item: LiveItem): WireRecord | WireFeedback {
  if (item.kind === "feedback") return [item.origin, "f", item.report];
  const r = item.record;
  return [
    item.origin,
    "r",
    r.dataSourceId,
    toWireNumber(r.timestamp),
    r.timestampSource === "device" ? 1 : 0,
    toWireNumber(r.receivedAt),
    r.values.map((v) => [v.obis.key, v.rawTag, toWireNumber(v.value), v.quality]),
  ];
}

/** The item a wire value holds; undefined when it is not one (another version's, or damaged). */
export function decodeLiveItem(wire: unknown): LiveItem | undefined {
  if (!Array.isArray(wire) || typeof wire[0] !== "string") return undefined;
  const origin = wire[0];
  if (wire[1] === "f") {
    const report = wire[2] as FeedbackReport | null;
    if (wire.length !== 3 || typeof report !== "object" || report === null) return undefined;
    return typeof report.dataSourceId === "string" ? { origin, kind: "feedback", report } : undefined;
  }
  if (wire[1] !== "r" || wire.length !== 7) return undefined;
  const [, , dataSourceId, timestamp, fromDevice, receivedAt, values] = wire;
  const time = fromWireNumber(timestamp);
  const received = fromWireNumber(receivedAt);
  if (typeof dataSourceId !== "string" || time === undefined || received === undefined) return undefined;
  if ((fromDevice !== 0 && fromDevice !== 1) || !Array.isArray(values)) return undefined;
  const decoded: AiidaRecordValue[] = [];
  for (const value of values) {
    const one = decodeValue(value);
    if (!one) return undefined;
    decoded.push(one);
  }
  const timestampSource: TimestampSource = fromDevice === 1 ? "device" : "receipt";
  const record: AiidaRecord = {
    dataSourceId,
    timestamp: time,
    timestampSource,
    receivedAt: received,
    values: decoded,
  };
  return { origin, kind: "record", record };
}

function decodeValue(wire: unknown): AiidaRecordValue | undefined {
  if (!Array.isArray(wire) || wire.length !== 4) return undefined;
  const [key, rawTag, value, quality] = wire;
  const obis = typeof key === "number" ? obisByKey(key) : undefined;
  const number = fromWireNumber(value);
  if (!obis || typeof rawTag !== "string" || number === undefined || typeof quality !== "string")
    return undefined;
  return { obis, rawTag, value: number, quality };
}
