import type { Server as HttpServer, IncomingMessage } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import { createWebSocketStream, WebSocketServer } from "ws";
import type { AcceptConnection } from "./accept-connection.ts";

/** The path MQTT over WebSocket is served at, on the HTTP and the HTTPS port. */
export const MQTT_WEBSOCKET_PATH = "/mqtt";

/** Subprotocols MQTT clients ask for: "mqtt" (MQTT 3.1.1 and 5) and "mqttv3.1" (MQTT 3.1). */
const MQTT_SUBPROTOCOLS = ["mqtt", "mqttv3.1"];

/**
 * MQTT over WebSocket at /mqtt: upgrades on the HTTP(S) servers it is attached to are accepted on that
 * path only, and each WebSocket's binary stream is handed to the broker like a TCP connection.
 */
export class MqttOverWebSocket {
  private readonly sockets: WebSocketServer;
  private readonly upgrading = new Set<Duplex>();
  private closed = false;

  constructor(
    private readonly accept: AcceptConnection,
    /** Largest WebSocket message: one MQTT packet, bounded like the broker's TCP packets. */
    maxMessageBytes: number,
  ) {
    this.sockets = new WebSocketServer({
      noServer: true,
      maxPayload: maxMessageBytes,
      handleProtocols: (offered) => MQTT_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
    });
  }

  /** Serves upgrades to /mqtt on this server (the hub's HTTP or HTTPS server); refuses every other. */
  attach(server: HttpServer | HttpsServer): void {
    server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head),
    );
  }

  /** Closes every MQTT WebSocket connection and refuses new upgrades; the HTTP servers close on their own. */
  close(): void {
    this.closed = true;
    for (const socket of this.upgrading) socket.destroy();
    for (const client of this.sockets.clients) client.terminate();
    this.sockets.close();
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(request.url ?? "/", "http://hub").pathname;
    if (this.closed || path !== MQTT_WEBSOCKET_PATH) {
      const status = this.closed ? "503 Service Unavailable" : "404 Not Found";
      const body = this.closed
        ? "the hub is stopping\n"
        : `MQTT over WebSocket is at ${MQTT_WEBSOCKET_PATH}\n`;
      const response = `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      // The answer is the whole exchange: the connection ends once it is written.
      socket.end(response, () => socket.destroy());
      return;
    }
    this.upgrading.add(socket);
    socket.once("close", () => this.upgrading.delete(socket));
    this.sockets.handleUpgrade(request, socket, head, (webSocket) => {
      this.upgrading.delete(socket);
      const stream = createWebSocketStream(webSocket);
      this.accept(stream, request.socket.remoteAddress ?? "unknown");
    });
  }
}
