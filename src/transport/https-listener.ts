import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import { MIN_TLS_VERSION, type ServedCertificate } from "./accept-connection.ts";
import { listenOn } from "./listen-on.ts";

/** Answers one HTTP request; the app's own handler (Fastify's `routing`), so both ports serve the same app. */
export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** HTTPS beside the plain HTTP port, answered by the same app. */
export class HttpsListener {
  private current: Server | undefined;

  /** Starts listening; resolves with the bound port. */
  async listen(
    host: string,
    port: number,
    certificate: ServedCertificate,
    handler: RequestHandler,
  ): Promise<number> {
    const server = createServer(
      { cert: certificate.certificatePem, key: certificate.keyPem, minVersion: MIN_TLS_VERSION },
      handler,
    );
    this.current = server;
    return listenOn(server, host, port);
  }

  /** The server, for the WebSocket upgrade handler; undefined before listen and after close. */
  get server(): Server | undefined {
    return this.current;
  }

  /** New connections get this certificate from now on (a renewed one); open ones keep theirs. */
  updateCertificate(certificate: ServedCertificate): void {
    this.current?.setSecureContext({
      cert: certificate.certificatePem,
      key: certificate.keyPem,
      minVersion: MIN_TLS_VERSION,
    });
  }

  /** Stops accepting and cuts open connections (live event streams would otherwise hold it open). */
  async close(): Promise<void> {
    const server = this.current;
    if (!server) return;
    this.current = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
