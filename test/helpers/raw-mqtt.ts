import { connect, type Socket } from "node:net";
import type { TestContext } from "node:test";
import { generate, type IConnectPacket, type Packet, parser as packetParser } from "mqtt-packet";
import type { DeviceCredentials } from "./hub-harness.ts";

/** MQTT protocol levels: 3 = 3.1 ("MQIsdp"), 4 = 3.1.1, 5 = 5.0. */
export type ProtocolVersion = 3 | 4 | 5;

/**
 * A device speaking MQTT byte by byte over a real TCP socket: packets are built and read with
 * mqtt-packet, so a test controls exactly what is written in one write and when the socket ends.
 */
export class RawMqtt {
  readonly received: Packet[] = [];
  /** Resolves when the socket is closed, whoever closed it. */
  readonly closed: Promise<void>;
  private isClosed = false;
  private readonly waiters: (() => void)[] = [];

  private constructor(
    readonly socket: Socket,
    readonly version: ProtocolVersion,
  ) {
    const parser = packetParser({ protocolVersion: version });
    parser.on("packet", (packet: Packet) => {
      this.received.push(packet);
      this.wake();
    });
    // A reply the parser cannot read is a test failure, not a closed connection: keep it visible.
    parser.on("error", (err: Error) => this.received.push({ cmd: "parse-error", error: err } as never));
    socket.on("data", (chunk: Buffer) => parser.parse(chunk));
    // A reset by the peer is one way of closing; the close event follows.
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** Opens a TCP connection to the hub's MQTT port; destroyed when the test ends. */
  static async open(t: TestContext, url: string, version: ProtocolVersion): Promise<RawMqtt> {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    socket.setNoDelay(true);
    t.after(() => socket.destroy());
    return new RawMqtt(socket, version);
  }

  get closedNow(): boolean {
    return this.isClosed;
  }

  /** The bytes of packets as this connection's protocol version encodes them. */
  encode(...packets: Packet[]): Buffer {
    return Buffer.concat(packets.map((p) => generate(p, { protocolVersion: this.version })));
  }

  /** Writes all packets in one write (one TCP segment on loopback). */
  send(...packets: Packet[]): void {
    this.write(this.encode(...packets));
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Ends the writing side (FIN) right after what was written. */
  end(): void {
    this.socket.end();
  }

  /**
   * The next received packet of that kind not taken before (packets are kept in order), or an
   * error naming what came instead once the connection closes or `timeoutMs` passes.
   */
  async next<C extends Packet["cmd"]>(
    cmd: C,
    timeoutMs = 10_000,
    match: (p: Extract<Packet, { cmd: C }>) => boolean = () => true,
  ): Promise<Extract<Packet, { cmd: C }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.received.findIndex((p) => p.cmd === cmd && match(p as Extract<Packet, { cmd: C }>));
      if (i >= 0) return this.received.splice(i, 1)[0] as Extract<Packet, { cmd: C }>;
      const left = deadline - Date.now();
      if (this.isClosed || left <= 0) {
        const seen = this.received.map((p) => p.cmd).join(", ") || "nothing";
        throw new Error(
          `no ${cmd} ${this.isClosed ? "before the connection closed" : `within ${timeoutMs} ms`} (received: ${seen})`,
        );
      }
      await this.wait(left);
    }
  }

  /** Resolves true when the hub closes the connection within `timeoutMs`, false otherwise. */
  async closesWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.closed.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** A CONNECT packet with a device's credentials. */
export function connectPacket(
  version: ProtocolVersion,
  credentials: Pick<DeviceCredentials, "id" | "password">,
  fields: Partial<IConnectPacket> = {},
): IConnectPacket {
  return {
    cmd: "connect",
    protocolId: version === 3 ? "MQIsdp" : "MQTT",
    protocolVersion: version,
    // MQTT 3.1 allows at most 23 characters.
    clientId: `raw-${Math.random().toString(16).slice(2, 14)}`,
    clean: true,
    keepalive: 60,
    username: credentials.id,
    password: Buffer.from(credentials.password),
    ...fields,
  };
}

/** Opens a raw connection, sends CONNECT and waits for a CONNACK that accepts it. */
export async function rawSession(
  t: TestContext,
  url: string,
  version: ProtocolVersion,
  credentials: Pick<DeviceCredentials, "id" | "password">,
  fields: Partial<IConnectPacket> = {},
): Promise<RawMqtt> {
  const raw = await RawMqtt.open(t, url, version);
  raw.send(connectPacket(version, credentials, fields));
  const connack = await raw.next("connack");
  const code = connack.reasonCode ?? connack.returnCode;
  if (code !== 0) throw new Error(`CONNACK refused the connection with ${code}`);
  return raw;
}
