/**
 * Array parameters in PostgreSQL's binary wire format (array_recv). node-postgres sends a Buffer
 * parameter as binary, so a batch's columns go out without the text literal `{"…","…"}` per array
 * (quoted and escaped element by element) and the server reads them without parsing text: both sides
 * spend a fraction of the CPU, timestamps most of all.
 */

import { clampInstant } from "./pg-instant.ts";

/** Element type OIDs: the parameter's declared type (`$1::int[]`) must name the same one. */
const INT2_OID = 21;
const INT4_OID = 23;
const INT8_OID = 20;
const FLOAT8_OID = 701;
const TIMESTAMPTZ_OID = 1184;

/** Bytes before the elements: dimensions, null flag, element type, then size and lower bound of the one dimension. */
const HEADER_BYTES = 20;
/** Bytes before an element's data: its length (-1 for NULL). */
const LENGTH_BYTES = 4;

/** PostgreSQL's epoch (2000-01-01T00:00:00Z) in Unix ms: binary timestamps count µs from it. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_POW_8 = 2 ** 8;
const TWO_POW_24 = 2 ** 24;
const TWO_POW_32 = 2 ** 32;

function arrayBuffer(oid: number, count: number, elementBytes: number, hasNull: boolean): Buffer {
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + count * (LENGTH_BYTES + elementBytes));
  // An empty array has no dimension at all (array_recv's own form for '{}').
  buffer.writeInt32BE(count === 0 ? 0 : 1, 0);
  buffer.writeInt32BE(hasNull ? 1 : 0, 4);
  buffer.writeInt32BE(oid, 8);
  buffer.writeInt32BE(count, 12);
  buffer.writeInt32BE(1, 16);
  return count === 0 ? buffer.subarray(0, 12) : buffer;
}

/** An int2[] (smallint) parameter. */
export function int2Array(values: readonly number[]): Buffer {
  const buffer = arrayBuffer(INT2_OID, values.length, 2, false);
  let at = HEADER_BYTES;
  for (const value of values) {
    buffer.writeInt32BE(2, at);
    buffer.writeInt16BE(value, at + LENGTH_BYTES);
    at += LENGTH_BYTES + 2;
  }
  return buffer;
}

/** An int4[] (integer) parameter. */
export function int4Array(values: readonly number[]): Buffer {
  const buffer = arrayBuffer(INT4_OID, values.length, 4, false);
  let at = HEADER_BYTES;
  for (const value of values) {
    buffer.writeInt32BE(4, at);
    buffer.writeInt32BE(value, at + LENGTH_BYTES);
    at += LENGTH_BYTES + 4;
  }
  return buffer;
}

/** An int8[] (bigint) parameter of safe integers. */
export function int8Array(values: readonly number[]): Buffer {
  const buffer = arrayBuffer(INT8_OID, values.length, 8, false);
  let at = HEADER_BYTES;
  for (const value of values) {
    buffer.writeInt32BE(8, at);
    const high = Math.floor(value / TWO_POW_32);
    buffer.writeInt32BE(high, at + LENGTH_BYTES);
    buffer.writeUInt32BE(value - high * TWO_POW_32, at + LENGTH_BYTES + 4);
    at += LENGTH_BYTES + 8;
  }
  return buffer;
}

/** A float8[] (double precision) parameter; -0 goes as 0, as its text form did. */
export function float8Array(values: readonly number[]): Buffer {
  const buffer = arrayBuffer(FLOAT8_OID, values.length, 8, false);
  let at = HEADER_BYTES;
  for (const value of values) {
    buffer.writeInt32BE(8, at);
    buffer.writeDoubleBE(value + 0, at + LENGTH_BYTES);
    at += LENGTH_BYTES + 8;
  }
  return buffer;
}

/**
 * A timestamptz[] parameter from epoch ms (NULL for null), clamped to years 1–9999 as the text form
 * is, and exact to the ms: the µs count exceeds 2^53
 * for far years, so it is written as two 32-bit words computed from pieces that stay exact.
 */
export function timestamptzArray(instants: readonly (number | null)[]): Buffer {
  const hasNull = instants.includes(null);
  const count = instants.length;
  const buffer = arrayBuffer(TIMESTAMPTZ_OID, count, 8, hasNull);
  let at = HEADER_BYTES;
  for (const ms of instants) {
    if (ms === null) {
      buffer.writeInt32BE(-1, at);
      at += LENGTH_BYTES;
      continue;
    }
    buffer.writeInt32BE(8, at);
    writeMicros(buffer, at + LENGTH_BYTES, clampInstant(ms) - PG_EPOCH_MS);
    at += LENGTH_BYTES + 8;
  }
  return hasNull ? buffer.subarray(0, at) : buffer;
}

/** Writes `ms` × 1000 as a big-endian int64 at `at`: ms = a·2^24 + b, so µs = (1000a)·2^24 + 1000b. */
function writeMicros(buffer: Buffer, at: number, ms: number): void {
  const a = Math.floor(ms / TWO_POW_24);
  const thousandA = a * 1000;
  const thousandB = (ms - a * TWO_POW_24) * 1000;
  // (1000a)·2^24 = ⌊1000a / 2^8⌋·2^32 + (1000a mod 2^8)·2^24: the second part joins the low word.
  const aHigh = Math.floor(thousandA / TWO_POW_8);
  const low = (thousandA - aHigh * TWO_POW_8) * TWO_POW_24 + thousandB;
  const carry = Math.floor(low / TWO_POW_32);
  buffer.writeInt32BE(aHigh + carry, at);
  buffer.writeUInt32BE(low - carry * TWO_POW_32, at + 4);
}
