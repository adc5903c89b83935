import type { Duplex } from "node:stream";
import type { Client } from "aedes";

/** The part of mqtt-packet's parser the guard hooks into; Aedes keeps one per client as `_parser`. */
interface LengthParser {
  packet: { length: number };
  _parseLength(): boolean;
}

/**
 * Closes a connection as soon as a packet header announces more than `maxBytes`, before the body
 * is buffered: Aedes has no packet size limit and would otherwise hold any size in memory.
 * Returns false when the parser does not have the expected shape (then only the payload check applies).
 */
export function guardPacketSize(client: Client, socket: Duplex, maxBytes: number): boolean {
  const parser = (client as unknown as { _parser?: LengthParser })._parser;
  if (!parser || typeof parser._parseLength !== "function") return false;
  const parseLength = parser._parseLength.bind(parser);
  parser._parseLength = () => {
    const complete = parseLength();
    if (complete && parser.packet.length > maxBytes) {
      socket.destroy();
      return false;
    }
    return complete;
  };
  return true;
}
