/** Why a byte stream cannot be split into MQTT packets. */
export type FramingFault = "malformed-length" | "too-large";

/**
 * Splits a device's byte stream into whole MQTT packets (fixed header + remaining length + body) before
 * any parser sees them, so that a packet announcing more than `maxPacketBytes` is refused on its header
 * alone, before its body is buffered.
 */
export class PacketFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Appends bytes; returns the whole packets they complete, or the fault that ends the connection. */
  push(chunk: Buffer): Buffer[] | FramingFault {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: Buffer[] = [];
    while (this.pendingBytes >= 2) {
      const head = this.headerBytes();
      const header = readRemainingLength(head);
      if (header === "malformed-length") return header;
      if (header === undefined) break;
      const total = 1 + header.lengthBytes + header.remaining;
      if (total > this.maxPacketBytes) return "too-large";
      if (this.pendingBytes < total) break;
      frames.push(this.take(total));
    }
    return frames;
  }

  /** The first (up to) five bytes: the packet type and the remaining length. */
  private headerBytes(): Buffer {
    const first = this.pending[0] as Buffer;
    if (first.length >= 5 || this.pending.length === 1) return first;
    this.pending = [Buffer.concat(this.pending)];
    return this.pending[0] as Buffer;
  }

  private take(bytes: number): Buffer {
    const first = this.pending[0] as Buffer;
    let frame: Buffer;
    if (first.length >= bytes) {
      // The common case: the packet lies within one chunk, so no copy is made.
      frame = first.subarray(0, bytes);
      if (first.length === bytes) this.pending.shift();
      else this.pending[0] = first.subarray(bytes);
    } else {
      const all = Buffer.concat(this.pending);
      frame = all.subarray(0, bytes);
      this.pending = all.length > bytes ? [all.subarray(bytes)] : [];
    }
    this.pendingBytes -= bytes;
    return frame;
  }
}

/** Reads the variable-length "remaining length" after the first byte; undefined until enough bytes are there. */
function readRemainingLength(
  head: Buffer,
): { readonly remaining: number; readonly lengthBytes: number } | "malformed-length" | undefined {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const at = 1 + i;
    if (at >= head.length) return undefined;
    const byte = head[at] as number;
    value += (byte & 0x7f) * 128 ** i;
    if ((byte & 0x80) === 0) return { remaining: value, lengthBytes: i + 1 };
  }
  // A fifth length byte is not allowed by the protocol.
  return "malformed-length";
}
