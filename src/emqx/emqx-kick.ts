/** Where EMQX's REST API is and the API key it accepts (EMQX 5: Dashboard → System → API Keys). */
export interface EmqxApiOptions {
  /** The API's base, e.g. http://emqx:18083 (the path /api/v5 is added here). */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Clients asked for per page while listing a username's clients. */
  readonly pageSize?: number;
}

/** EMQX answered the REST API with something other than success; carries no credentials. */
export class EmqxApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

interface ClientsPage {
  readonly data?: ReadonlyArray<{ readonly clientid?: unknown; readonly username?: unknown }>;
  readonly meta?: { readonly hasnext?: unknown };
}

const DEFAULT_PAGE_SIZE = 100;

/**
 * Disconnects a revoked device from EMQX. A device may connect under any client id (and more than once), so
 * its clients are found by username, which is the data source id, and each is kicked by client id.
 */
export class EmqxClientKicker {
  private readonly api: string;
  private readonly authorization: string;
  private readonly pageSize: number;

  constructor(options: EmqxApiOptions) {
    this.api = `${options.baseUrl.replace(/\/+$/, "")}/api/v5`;
    this.authorization = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString("base64")}`;
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  /** Kicks every client (connected, or a kept session) of `username`; returns the client ids kicked. */
  async kickUser(username: string): Promise<string[]> {
    const clientIds = await this.clientIdsOf(username);
    const kicked: string[] = [];
    for (const clientId of clientIds) if (await this.kickClient(clientId)) kicked.push(clientId);
    return kicked;
  }

  /** Kicks one client; false when EMQX no longer knows it (it left between listing and kicking). */
  async kickClient(clientId: string): Promise<boolean> {
    const res = await this.request("DELETE", `/clients/${encodeURIComponent(clientId)}`);
    if (res.status === 204) return true;
    if (res.status === 404) return false;
    throw await apiError(res, `kicking client ${clientId}`);
  }

  /** The ids of `username`'s clients, page by page until EMQX says there is no next one. */
  async clientIdsOf(username: string): Promise<string[]> {
    // An empty filter could match every client of the broker.
    if (username === "") throw new RangeError("a device's username is needed: an empty one names no device");
    const ids: string[] = [];
    for (let page = 1; ; page++) {
      const query = new URLSearchParams({ username, _page: String(page), _limit: String(this.pageSize) });
      const res = await this.request("GET", `/clients?${query}`);
      if (res.status !== 200) throw await apiError(res, `listing the clients of ${username}`);
      const body = (await res.json()) as ClientsPage;
      const data = body.data ?? [];
      for (const client of data) {
        // Only a client listed under this very username is kicked, even if EMQX ignored the filter.
        if (typeof client.clientid === "string" && client.username === username) ids.push(client.clientid);
      }
      // Older EMQX 5 releases may leave out hasnext: a short page is then the last one.
      const hasNext =
        typeof body.meta?.hasnext === "boolean" ? body.meta.hasnext : data.length >= this.pageSize;
      if (!hasNext || data.length === 0) return ids;
    }
  }

  private request(method: "GET" | "DELETE", path: string): Promise<Response> {
    return fetch(`${this.api}${path}`, {
      method,
      headers: { authorization: this.authorization, accept: "application/json" },
    });
  }
}

/** An EmqxApiError naming what failed and EMQX's error code (its JSON `code`), when it sent one. */
async function apiError(res: Response, doing: string): Promise<EmqxApiError> {
  const text = await res.text().catch(() => "");
  let code = "";
  try {
    const parsed = JSON.parse(text) as { code?: unknown };
    if (typeof parsed.code === "string") code = ` (${parsed.code})`;
  } catch {
    // Not JSON: the status alone says what happened.
  }
  const hint = res.status === 401 ? "; check the API key and secret" : "";
  return new EmqxApiError(`EMQX refused ${doing}: HTTP ${res.status}${code}${hint}`, res.status);
}
