import type { Socket } from "node:net";
import { createServer, type Server } from "node:tls";
import { clip, type Logger } from "../platform/logger.ts";
import { type AcceptConnection, MIN_TLS_VERSION, type ServedCertificate } from "./accept-connection.ts";
import { listenOn } from "./listen-on.ts";

/** MQTT over TLS: each connection, once its handshake is done, is handed to the broker. */
export class MqttsListener {
  private server: Server | undefined;
  /** Every TCP connection, also those still in their handshake (the broker knows only finished ones). */
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly accept: AcceptConnection,
    private readonly logger: Logger,
  ) {}

  /** Starts listening; resolves with the bound port. */
  async listen(host: string, port: number, certificate: ServedCertificate): Promise<number> {
    const server = createServer(
      { cert: certificate.certificatePem, key: certificate.keyPem, minVersion: MIN_TLS_VERSION },
      (socket) => this.accept(socket, socket.remoteAddress ?? "unknown"),
    );
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    // A client that does not trust the certificate, or speaks no TLS, fails here; Node closes its socket.
    server.on("tlsClientError", (error, socket) =>
      this.logger.debug("TLS handshake failed", {
        address: socket.remoteAddress,
        error: clip(error.message, 128),
      }),
    );
    this.server = server;
    return listenOn(server, host, port);
  }

  /** New connections get this certificate from now on (a renewed one); open ones keep theirs. */
  updateCertificate(certificate: ServedCertificate): void {
    this.server?.setSecureContext({
      cert: certificate.certificatePem,
      key: certificate.keyPem,
      minVersion: MIN_TLS_VERSION,
    });
  }

  /** Stops accepting and closes every connection still open (the broker has closed its own by then). */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
