import { readFileSync } from "node:fs";
import type { AddressInfo, Socket } from "node:net";
import { connect } from "node:net";
import type { TestContext } from "node:test";
import { createServer } from "node:tls";

/**
 * A TLS listener on 127.0.0.1 (ephemeral port) that forwards each connection's plain bytes to a TCP port:
 * Debian's Mosquitto cannot serve WebSocket over TLS itself, so this puts TLS in front of its ws:// listener
 * for wss:// tests. Closed after the test; returns its port.
 */
export async function startTlsTerminator(
  t: TestContext,
  files: { readonly certFile: string; readonly keyFile: string },
  targetPort: number,
): Promise<number> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = createServer(
    { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) },
    (secure) => {
      const plain = connect(targetPort, "127.0.0.1");
      track(secure);
      track(plain);
      secure.pipe(plain).pipe(secure);
      secure.on("close", () => plain.destroy());
      plain.on("close", () => secure.destroy());
    },
  );
  // A client that refuses our certificate aborts its handshake; that is what some tests want.
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}
