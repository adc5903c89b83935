import { createServer } from "node:net";

/**
 * A TCP port that is free right now on 127.0.0.1. Only for servers that cannot listen on port 0
 * (modbus-serial's ServerTCP turns 0 into 502) or must come back on the same port after a restart.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port from the OS");
  return address.port;
}
