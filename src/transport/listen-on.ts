import { once } from "node:events";
import type { Server } from "node:net";

/** Starts a server listening; resolves with the bound port, rejects with the listen error (EADDRINUSE, …). */
export async function listenOn(server: Server, host: string, port: number): Promise<number> {
  server.listen(port, host);
  await Promise.race([
    once(server, "listening"),
    once(server, "error").then(([error]) => Promise.reject(error)),
  ]);
  const address = server.address();
  return typeof address === "object" && address ? address.port : port;
}
