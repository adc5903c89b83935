import { readFileSync } from "node:fs";
import { createServer, type RequestListener } from "node:http";
import { connect, createServer as createTcpServer, type Socket } from "node:net";
import type { TestContext } from "node:test";
import modbusSerial from "modbus-serial";
import { freePort } from "./free-port.ts";

/** A register map fixture: unit id and holding register words by address. */
export interface RegisterMap {
  readonly unitId: number;
  readonly holdingRegisters: Readonly<Record<string, number>>;
}

/** Reads a register map from test/fixtures/device. */
export function registerMapFixture(name: string): RegisterMap {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/device/${name}`, import.meta.url), "utf8"),
  ) as RegisterMap;
}

/** A real Modbus TCP server (modbus-serial's ServerTCP) answering from a register map; closed after the test. */
export async function startModbusServer(
  t: TestContext,
  map: RegisterMap,
): Promise<{ port: number; requests: number }> {
  const port = await freePort();
  const state = { port, requests: 0 };
  const word = (address: number): number => {
    const value = map.holdingRegisters[String(address)];
    // Exception 2, "illegal data address", as a device answers for a register it does not have.
    if (value === undefined) throw Object.assign(new Error(`no register ${address}`), { modbusErrorCode: 2 });
    return value;
  };
  const server = new modbusSerial.ServerTCP(
    {
      getHoldingRegister: (address: number) => {
        state.requests++;
        return word(address);
      },
      getMultipleHoldingRegisters: (address: number, length: number) => {
        state.requests++;
        return Array.from({ length }, (_, i) => word(address + i));
      },
    },
    // The server ignores requests for other unit ids, as a device on a shared address does.
    { host: "127.0.0.1", port, unitID: map.unitId },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("initialized", () => resolve());
    server.once("serverError", (error: Error) => reject(error));
  });
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return state;
}

/**
 * A TCP relay in front of a Modbus TCP server whose FIRST connection goes silent after relaying
 * `requestsBeforeSilence` requests: it keeps the connection open and drops every later request, as an
 * inverter or dongle does that stops answering without closing. Later connections are relayed in full.
 */
export async function startSilencingRelay(
  t: TestContext,
  targetPort: number,
  requestsBeforeSilence: number,
): Promise<{ port: number; connections: number }> {
  const state = { port: 0, connections: 0 };
  const sockets = new Set<Socket>();
  const relay = createTcpServer((client) => {
    state.connections++;
    const silencing = state.connections === 1;
    const upstream = connect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    // Requests are counted by their MBAP headers (6 bytes, the last two the length of what follows).
    let pending = Buffer.alloc(0);
    let relayed = 0;
    client.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 6 && pending.length >= 6 + pending.readUInt16BE(4)) {
        const frame = pending.subarray(0, 6 + pending.readUInt16BE(4));
        pending = pending.subarray(frame.length);
        if (!silencing || relayed < requestsBeforeSilence) upstream.write(frame);
        relayed++;
      }
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => relay.close(() => resolve()));
  });
  const address = relay.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  state.port = address.port;
  return state;
}

/** A node:http server on 127.0.0.1 answering with `handler`; its connections are cut and it is closed after the test. */
export async function startHttpMeter(t: TestContext, handler: RequestListener): Promise<{ baseUrl: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    // A handler may leave an answer hanging on purpose; close() alone would wait for it.
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return { baseUrl: `http://127.0.0.1:${address.port}` };
}

/** A node:http server answering JSON per request path (path with query); 404 otherwise. */
export async function startJsonMeter(
  t: TestContext,
  answers: Record<string, () => unknown>,
): Promise<{ baseUrl: string; requests: string[] }> {
  const requests: string[] = [];
  const { baseUrl } = await startHttpMeter(t, (request, response) => {
    const path = request.url ?? "/";
    requests.push(path);
    const answer = answers[path];
    if (answer === undefined) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer()));
  });
  return { baseUrl, requests };
}
