import { once } from "node:events";
import net from "node:net";
import type { TestContext } from "node:test";

/** One backend the balancer may send a connection to. */
export interface Backend {
  readonly host: string;
  readonly port: number;
}

/** A TCP load balancer in front of several hub instances, as an operator would run one (HAProxy in TCP mode, say). */
export interface TcpBalancer {
  readonly port: number;
  readonly url: (scheme: string) => string;
  /** How many connections went to each backend, by "host:port". */
  readonly counts: Map<string, number>;
  /**
   * Cuts the network as a pulled cable does: every byte in either direction is dropped from now on,
   * no connection is closed or refused, and new ones are accepted and never answered.
   */
  cut(): void;
}

/**
 * Starts a round-robin balancer on a free loopback port: each new connection goes to the next backend
 * that accepts it (a backend that refuses, such as a killed instance, is skipped). Closed after the test.
 */
export async function startTcpBalancer(t: TestContext, backends: readonly Backend[]): Promise<TcpBalancer> {
  let next = 0;
  let isCut = false;
  const counts = new Map<string, number>();
  /** Silently swallows what a socket receives: no backpressure, no answer, and its close goes nowhere. */
  const blackhole = (socket: net.Socket) => {
    socket.unpipe();
    socket.removeAllListeners("data");
    socket.removeAllListeners("end");
    socket.removeAllListeners("close");
    socket.once("close", () => sockets.delete(socket));
    socket.on("data", () => {});
    socket.resume();
  };
  const sockets = new Set<net.Socket>();
  const connectToNext = (client: net.Socket, triesLeft: number) => {
    if (triesLeft === 0) {
      client.destroy();
      return;
    }
    const backend = backends[next++ % backends.length] as Backend;
    const upstream = net.connect(backend.port, backend.host);
    sockets.add(upstream);
    let connected = false;
    upstream.once("connect", () => {
      if (isCut) {
        blackhole(upstream);
        blackhole(client);
        return;
      }
      connected = true;
      const key = `${backend.host}:${backend.port}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on("error", () => {
      // A backend that refused (a killed instance) is skipped; one that fails later ends the client too.
      if (!connected) connectToNext(client, triesLeft - 1);
    });
    upstream.once("close", () => {
      sockets.delete(upstream);
      if (connected) client.destroy();
    });
    client.once("close", () => upstream.destroy());
  };
  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    client.on("error", () => {});
    connectToNext(client, backends.length);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = (server.address() as net.AddressInfo).port;
  const cut = () => {
    isCut = true;
    for (const socket of sockets) blackhole(socket);
  };
  return { port, url: (scheme) => `${scheme}://127.0.0.1:${port}`, counts, cut };
}
