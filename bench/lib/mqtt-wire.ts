import { type Socket, connect as tcpConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";

/**
 * A minimal MQTT 3.1.1 / 5.0 client for load generation: CONNECT, PUBLISH (QoS 0/1), PUBACK,
 * SUBSCRIBE, PINGREQ, over TCP or TLS. It costs a fraction of mqtt.js per message, so one bench
 * process can drive a broker on the other core; it keeps no queue of its own (the caller owns windows
 * and timing).
 */
export type ProtocolVersion = 4 | 5;

export interface WireOptions {
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** Seconds; the pool pings idle clients in time. */
  readonly keepaliveSec?: number;
  readonly connectTimeoutMs?: number;
  /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5.0 (CONNECT with no properties). */
  readonly protocolVersion?: ProtocolVersion;
  /** Connect over TLS, trusting this CA (PEM); the name checked is `host` (an IP SAN for 127.0.0.1). */
  readonly tlsCa?: string | Buffer | undefined;
}

/** CONNACK refusal or a connection that failed before CONNACK. */
export class ConnectError extends Error {
  constructor(
    message: string,
    readonly returnCode: number | undefined,
  ) {
    super(message);
  }
}

export class WireClient {
  /** Called with each PUBACK's packet id and reason code (always 0 in MQTT 3.1.1; MQTT 5 may refuse). */
  onPuback: ((id: number, reasonCode: number) => void) | undefined;
  /** Called with each PUBLISH the broker delivers (QoS 1 ones are acked automatically). */
  onPublish: ((topic: string, payload: Buffer) => void) | undefined;
  /** Called once when the connection closes, for whatever reason. */
  onClose: ((hadError: boolean) => void) | undefined;
  closed = false;
  private pending: Buffer | undefined;
  private connack: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private subacks = new Map<number, () => void>();
  private nextSubId = 1;

  private constructor(
    readonly socket: Socket,
    readonly protocolVersion: ProtocolVersion,
  ) {}

  /**
   * Opens a TCP connection with TCP_NODELAY (or a TLS one over it), sends CONNECT and resolves on a
   * successful CONNACK.
   */
  static connect(options: WireOptions): Promise<WireClient> {
    const socket =
      options.tlsCa === undefined
        ? tcpConnect({ host: options.host, port: options.port, noDelay: true })
        : tlsConnect({ host: options.host, port: options.port, ca: options.tlsCa }).setNoDelay(true);
    const client = new WireClient(socket, options.protocolVersion ?? 4);
    return new Promise<WireClient>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ConnectError(`no CONNACK within ${options.connectTimeoutMs ?? 30_000} ms`, undefined));
      }, options.connectTimeoutMs ?? 30_000);
      client.connack = {
        resolve: () => {
          clearTimeout(timer);
          resolve(client);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      socket.on("data", (chunk: Buffer) => client.onData(chunk));
      socket.on("error", () => {});
      socket.on("close", (hadError) => {
        client.closed = true;
        client.connack?.reject(new ConnectError("connection closed before CONNACK", undefined));
        client.connack = undefined;
        client.onClose?.(hadError);
      });
      // Over TLS, CONNECT waits for the handshake (written earlier, it would only be queued anyway).
      socket.once(options.tlsCa === undefined ? "connect" : "secureConnect", () =>
        socket.write(connectPacket(options)),
      );
    });
  }

  /** Writes raw bytes (one or more packets); false when the socket buffer is full (wait for "drain"). */
  write(bytes: Buffer): boolean {
    return this.socket.write(bytes);
  }

  /** Subscribes to one filter; resolves on SUBACK. */
  subscribe(filter: string, qos: 0 | 1): Promise<void> {
    const id = this.nextSubId++;
    const topic = Buffer.from(filter, "utf8");
    const body = Buffer.alloc(2 + 2 + topic.length + 1);
    body.writeUInt16BE(id, 0);
    body.writeUInt16BE(topic.length, 2);
    topic.copy(body, 4);
    body[4 + topic.length] = qos;
    // MQTT 5: a properties length (0) after the packet id.
    const packet =
      this.protocolVersion === 5 ? Buffer.concat([body.subarray(0, 2), ZERO, body.subarray(2)]) : body;
    return new Promise((resolve) => {
      this.subacks.set(id, resolve);
      this.socket.write(Buffer.concat([Buffer.from([0x82]), remainingLength(packet.length), packet]));
    });
  }

  ping(): void {
    if (!this.closed) this.socket.write(PINGREQ);
  }

  /** Sends DISCONNECT and closes. */
  end(): void {
    if (this.closed) return;
    this.socket.end(DISCONNECT);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    let acks: Buffer[] | undefined;
    while (buf.length - off >= 2) {
      const type = buf[off] as number;
      let len = 0;
      let mul = 1;
      let i = off + 1;
      let complete = false;
      for (let n = 0; n < 4 && i < buf.length; n++) {
        const b = buf[i++] as number;
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || i + len > buf.length) break;
      const end = i + len;
      switch (type >> 4) {
        case 2: {
          // The return code (3.1.1) or reason code (5) sits at the same place; MQTT 5 properties follow.
          const rc = buf[i + 1] as number;
          const waiter = this.connack;
          this.connack = undefined;
          if (rc === 0) waiter?.resolve();
          else {
            waiter?.reject(new ConnectError(`CONNACK refused with return code ${rc}`, rc));
            this.socket.destroy();
          }
          break;
        }
        case 3: {
          const qos = (type >> 1) & 3;
          const topicLength = buf.readUInt16BE(i);
          const topic = buf.toString("utf8", i + 2, i + 2 + topicLength);
          let p = i + 2 + topicLength;
          if (qos > 0) {
            const id = buf.readUInt16BE(p);
            p += 2;
            const ack = Buffer.allocUnsafe(4);
            ack[0] = 0x40;
            ack[1] = 2;
            ack.writeUInt16BE(id, 2);
            if (acks) acks.push(ack);
            else acks = [ack];
          }
          if (this.protocolVersion === 5) p = skipProperties(buf, p);
          this.onPublish?.(topic, buf.subarray(p, end));
          break;
        }
        case 4:
          // Remaining length 2 is success in both versions; MQTT 5 may add a reason code (and properties).
          this.onPuback?.(buf.readUInt16BE(i), len > 2 ? (buf[i + 2] as number) : 0);
          break;
        case 9: {
          const id = buf.readUInt16BE(i);
          this.subacks.get(id)?.();
          this.subacks.delete(id);
          break;
        }
        default:
          break; // PINGRESP and anything else: nothing to do
      }
      off = end;
    }
    this.pending = off < buf.length ? Buffer.from(buf.subarray(off)) : undefined;
    if (acks) this.socket.write(acks.length === 1 ? (acks[0] as Buffer) : Buffer.concat(acks));
  }
}

const PINGREQ = Buffer.from([0xc0, 0]);
const ZERO = Buffer.from([0]);
const DISCONNECT = Buffer.from([0xe0, 0]);

/** The offset after an MQTT 5 property block (a variable-length size, then that many bytes). */
function skipProperties(buf: Buffer, at: number): number {
  let len = 0;
  let mul = 1;
  let i = at;
  for (let n = 0; n < 4; n++) {
    const b = buf[i++] as number;
    len += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) break;
  }
  return i + len;
}

/** MQTT's variable-length "remaining length" field. */
export function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  let x = n;
  do {
    let b = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) b |= 0x80;
    bytes.push(b);
  } while (x > 0);
  return Buffer.from(bytes);
}

function lengthPrefixed(s: string): Buffer {
  const b = Buffer.from(s, "utf8");
  const out = Buffer.allocUnsafe(2 + b.length);
  out.writeUInt16BE(b.length, 0);
  b.copy(out, 2);
  return out;
}

function connectPacket(o: WireOptions): Buffer {
  let flags = 0x02; // clean session
  const payload = [lengthPrefixed(o.clientId)];
  if (o.username !== undefined) {
    flags |= 0x80;
    payload.push(lengthPrefixed(o.username));
    if (o.password !== undefined) {
      flags |= 0x40;
      payload.push(lengthPrefixed(o.password));
    }
  }
  const keepalive = o.keepaliveSec ?? 120;
  const version = o.protocolVersion ?? 4;
  const header = [0, 4, 0x4d, 0x51, 0x54, 0x54, version, flags, keepalive >> 8, keepalive & 0xff];
  // MQTT 5: an empty property block (every property at its default).
  if (version === 5) header.push(0);
  const variable = Buffer.from(header);
  const body = Buffer.concat([variable, ...payload]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

/**
 * A PUBLISH packet built once per device; each message copies it and patches the packet id and the
 * timestamp characters of the payload in place.
 */
export class PublishTemplate {
  readonly bytes: Buffer;
  /** Offset of the packet id (QoS 1 only). */
  private readonly idOffset: number;
  /** Offset of the timestamp characters inside the packet. */
  private readonly tsOffset: number;

  constructor(
    topic: string,
    payload: Buffer,
    payloadTsOffset: number,
    readonly qos: 0 | 1,
    protocolVersion: ProtocolVersion = 4,
  ) {
    const t = lengthPrefixed(topic);
    const idLength = qos > 0 ? 2 : 0;
    // MQTT 5: an empty property block between the packet id and the payload.
    const propertiesLength = protocolVersion === 5 ? 1 : 0;
    const rest = t.length + idLength + propertiesLength + payload.length;
    const header = Buffer.concat([Buffer.from([0x30 | (qos << 1)]), remainingLength(rest)]);
    this.bytes = Buffer.concat([header, t, Buffer.alloc(idLength + propertiesLength), payload]);
    this.idOffset = header.length + t.length;
    this.tsOffset = header.length + t.length + idLength + propertiesLength + payloadTsOffset;
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Writes one packet into `out` at `at` with this id and 24-character ISO timestamp. */
  fill(out: Buffer, at: number, id: number, iso: string): void {
    this.bytes.copy(out, at);
    if (this.qos > 0) out.writeUInt16BE(id, at + this.idOffset);
    out.write(iso, at + this.tsOffset, 24, "latin1");
  }
}
