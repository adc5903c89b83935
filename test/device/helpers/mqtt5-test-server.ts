import type { AddressInfo } from "node:net";
import { createServer, type Socket } from "node:net";
import type { TestContext } from "node:test";
import mqttPacket, { type IConnectPacket, type Packet } from "mqtt-packet";

/** A reason code and, optionally, the reason string an MQTT 5 answer carries. */
export interface Reason {
  readonly reasonCode: number;
  readonly reasonString?: string;
}

/** How the server answers; both default to plain success. */
export interface Mqtt5TestServerBehaviour {
  /** The CONNACK for a CONNECT. */
  connack?(connect: IConnectPacket): Reason;
  /** The PUBACK for a QoS 1 PUBLISH; `delivery` counts the deliveries of this payload, from 1. */
  puback?(payload: string, delivery: number): Reason;
  /** Instead of a PUBACK, an MQTT 5 DISCONNECT with this reason, then the connection closes; undefined = PUBACK. */
  disconnect?(payload: string, delivery: number): Reason | undefined;
  /** The receive maximum announced in an accepting MQTT 5 CONNACK: unacknowledged publishes the client may send. */
  receiveMaximum?: number;
  /** How long each PUBACK is held back, so that a client's unacknowledged publishes pile up (default 0). */
  pubackDelayMs?: number;
}

/** A PUBLISH the server received, in arrival order. */
export interface ReceivedPublish {
  readonly payload: string;
  readonly topic: string;
  /** How often this payload had arrived before, this one included. */
  readonly delivery: number;
  /** The reason code the server answered with; -1 when it disconnected instead. */
  readonly answered: number;
}

/** A running test server. */
export interface Mqtt5TestServer {
  readonly url: string;
  /** Every CONNECT, in order. */
  readonly connects: IConnectPacket[];
  /** Every PUBLISH, in order. */
  readonly publishes: ReceivedPublish[];
  /** The most QoS 1 publishes of one connection that were unacknowledged at once. */
  readonly maxUnacknowledged: () => number;
}

/**
 * A minimal MQTT server for the publisher's MQTT 5 handling, on 127.0.0.1 and an ephemeral port: it
 * answers CONNECT, SUBSCRIBE, PINGREQ and QoS 1 PUBLISH with the reason codes and reason strings a test
 * chooses, which no real broker lets a test pick (the hub's MQTT 5 endpoint will). Speaks whatever
 * protocol level the client's CONNECT names. Stopped after the test.
 */
export async function startMqtt5TestServer(
  t: TestContext,
  behaviour: Mqtt5TestServerBehaviour = {},
): Promise<Mqtt5TestServer> {
  const connects: IConnectPacket[] = [];
  const publishes: ReceivedPublish[] = [];
  const deliveries = new Map<string, number>();
  const sockets = new Set<Socket>();
  let maxUnacknowledged = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    // The parser learns the protocol level from the CONNECT and parses later packets by it.
    const parser = mqttPacket.parser();
    let protocolVersion = 4;
    let unacknowledged = 0;
    const send = (packet: Packet) => socket.write(mqttPacket.generate(packet, { protocolVersion }));
    const properties = (reason: Reason) =>
      protocolVersion === 5 && reason.reasonString !== undefined
        ? { properties: { reasonString: reason.reasonString } }
        : {};
    parser.on("packet", (packet: Packet) => {
      switch (packet.cmd) {
        case "connect": {
          connects.push(packet);
          protocolVersion = packet.protocolVersion ?? 4;
          const reason = behaviour.connack?.(packet) ?? { reasonCode: 0 };
          const code =
            protocolVersion === 5 ? { reasonCode: reason.reasonCode } : { returnCode: reason.reasonCode };
          const limit =
            protocolVersion === 5 && reason.reasonCode === 0 && behaviour.receiveMaximum !== undefined
              ? { properties: { receiveMaximum: behaviour.receiveMaximum } }
              : properties(reason);
          send({ cmd: "connack", sessionPresent: false, ...code, ...limit });
          if (reason.reasonCode !== 0) socket.end();
          return;
        }
        case "subscribe":
          send({
            cmd: "suback",
            messageId: packet.messageId ?? 0,
            granted: packet.subscriptions.map(() => 1),
          });
          return;
        case "pingreq":
          send({ cmd: "pingresp" });
          return;
        case "publish": {
          const payload = packet.payload.toString();
          const delivery = (deliveries.get(payload) ?? 0) + 1;
          deliveries.set(payload, delivery);
          const disconnect = behaviour.disconnect?.(payload, delivery);
          if (disconnect !== undefined) {
            publishes.push({ payload, topic: packet.topic, delivery, answered: -1 });
            send({ cmd: "disconnect", reasonCode: disconnect.reasonCode, ...properties(disconnect) });
            socket.end();
            return;
          }
          const reason = behaviour.puback?.(payload, delivery) ?? { reasonCode: 0 };
          publishes.push({ payload, topic: packet.topic, delivery, answered: reason.reasonCode });
          if (packet.qos === 1) {
            unacknowledged++;
            maxUnacknowledged = Math.max(maxUnacknowledged, unacknowledged);
            const answer = () => {
              unacknowledged--;
              if (socket.writable) {
                send({
                  cmd: "puback",
                  messageId: packet.messageId ?? 0,
                  reasonCode: reason.reasonCode,
                  ...properties(reason),
                });
              }
            };
            const delay = behaviour.pubackDelayMs ?? 0;
            if (delay === 0) answer();
            else timers.add(setTimeout(answer, delay));
          }
          return;
        }
        case "disconnect":
          socket.end();
          return;
        default:
          return;
      }
    });
    parser.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => parser.parse(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(async () => {
    for (const timer of timers) clearTimeout(timer);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `mqtt://127.0.0.1:${port}`, connects, publishes, maxUnacknowledged: () => maxUnacknowledged };
}
