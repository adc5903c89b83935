import { type Packet, type Parser, parser } from "mqtt-packet";

/** The fixed-header type of CONNECT (MQTT, 2.1.2). */
const CONNECT_TYPE = 1;

/**
 * Decodes whole packets, as the framer cuts them, with mqtt-packet parsers shared by every connection:
 * one for CONNECT and one per protocol version for what follows. A parser holds state only while a
 * packet is incomplete, and a frame is always complete, so sharing costs nothing and saves each idle
 * connection a parser of its own.
 */
export class PacketReader {
  private readonly parsers = new Map<number, Parser>();
  private result: Packet | Error | undefined;

  /** Decodes one frame; `version` is the connection's protocol level, undefined before its CONNECT. */
  read(frame: Buffer, version: 3 | 4 | 5 | undefined): Packet | Error {
    // A versioned parser that read a CONNECT would take on that CONNECT's version for everyone after.
    if (version !== undefined && (frame[0] ?? 0) >> 4 === CONNECT_TYPE) return new Error("a second CONNECT");
    const key = version ?? 0;
    const shared = this.parsers.get(key) ?? this.create(key);
    this.result = undefined;
    shared.parse(frame);
    const result = this.result;
    if (result === undefined) {
      // Left mid-packet (cannot happen with whole frames): start the next one on a fresh parser.
      this.parsers.delete(key);
      return new Error("an incomplete packet");
    }
    return result;
  }

  private create(key: number): Parser {
    const created = key === 0 ? parser() : parser({ protocolVersion: key });
    created.on("packet", (packet: Packet) => {
      this.result = packet;
    });
    created.on("error", (error: Error) => {
      this.result = error;
    });
    this.parsers.set(key, created);
    return created;
  }
}
