import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";

/** One request the stand-in received: what was asked, with what credentials, and its answer. */
export interface EmqxApiCall {
  readonly method: string;
  /** The path as sent, still percent-encoded. */
  readonly rawPath: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly status: number;
}

export interface StandInEmqxApi {
  readonly baseUrl: string;
  /** Connected clients: client id → username. */
  readonly clients: Map<string, string>;
  readonly calls: EmqxApiCall[];
  /** The next DELETE of this client id is answered with this status instead (the client is kept). */
  readonly deleteFaults: Map<string, number>;
  /** Lists every client, whatever the username filter says (as a broker that ignored it would). */
  ignoreUsernameFilter: boolean;
}

const CLIENT_PATH = /^\/api\/v5\/clients\/([^/?]+)$/;

/**
 * EMQX 5's clients API over real HTTP on a free port, as its documentation describes it: GET /api/v5/clients
 * with username, _page and _limit (data and meta.hasnext), DELETE /api/v5/clients/{clientid} (204, or 404
 * CLIENTID_NOT_FOUND); 401 without Basic authentication of the given key and secret.
 */
export async function startStandInEmqxApi(
  t: TestContext,
  apiKey: string,
  apiSecret: string,
): Promise<StandInEmqxApi> {
  const expected = `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString("base64")}`;
  const state: Omit<StandInEmqxApi, "baseUrl"> = {
    clients: new Map(),
    calls: [],
    deleteFaults: new Map(),
    ignoreUsernameFilter: false,
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const answer = (status: number, body?: unknown) => {
      state.calls.push({
        method: req.method ?? "",
        rawPath: url.pathname,
        query: url.searchParams,
        authorization: req.headers.authorization,
        status,
      });
      res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.headers.authorization !== expected) {
      answer(401, { code: "BAD_API_KEY_OR_SECRET", message: "Check api_key/api_secret" });
      return;
    }
    if (req.method === "GET" && url.pathname === "/api/v5/clients") {
      const username = url.searchParams.get("username");
      const page = Number(url.searchParams.get("_page") ?? "1");
      const limit = Number(url.searchParams.get("_limit") ?? "100");
      const all = [...state.clients]
        .filter(([, user]) => state.ignoreUsernameFilter || username === null || user === username)
        .map(([clientid, user]) => ({ clientid, username: user, connected: true }));
      const data = all.slice((page - 1) * limit, page * limit);
      answer(200, { data, meta: { page, limit, count: all.length, hasnext: page * limit < all.length } });
      return;
    }
    const match = CLIENT_PATH.exec(url.pathname);
    if (req.method === "DELETE" && match?.[1] !== undefined) {
      const clientId = decodeURIComponent(match[1]);
      const fault = state.deleteFaults.get(clientId);
      if (fault !== undefined) {
        state.deleteFaults.delete(clientId);
        answer(fault, { code: "INTERNAL_ERROR", message: "stand-in fault" });
        return;
      }
      if (!state.clients.delete(clientId)) {
        answer(404, { code: "CLIENTID_NOT_FOUND", message: "Client ID not found" });
        return;
      }
      answer(204);
      return;
    }
    answer(404, { code: "NOT_FOUND", message: "no such route in the stand-in" });
  });
  server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, { baseUrl: `http://127.0.0.1:${port}` });
}
