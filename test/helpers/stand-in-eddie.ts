import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";
import { fixture } from "./fixtures.ts";

/** One request the stand-in EDDIE received, and what it answered. */
export interface EddieCall {
  readonly method: string;
  readonly permissionId: string;
  readonly authorization: string | undefined;
  readonly accept: string | undefined;
  readonly body: unknown;
  readonly status: number;
}

/**
 * How the next request of a method is answered instead of the normal way: with an HTTP status (and
 * nothing done), never (the connection hangs), processed as normal with the answer lost (a 503 sent
 * instead, as when EDDIE committed and then failed), or processed at once and answered after a delay.
 */
export type EddieFault = { readonly status: number } | "hang" | "lose-answer" | { readonly delayMs: number };

/** Where a permission is on EDDIE's side. */
export type EddieState = "SENT_TO_PERMISSION_ADMINISTRATOR" | "ACCEPTED" | "REJECTED" | "UNFULFILLABLE";

type Json = Record<string, any>;

const PATH = /^\/region-connectors\/aiida\/permission-request\/([^/]+)$/;

/** yyyy-MM-dd of the UTC day `days` after today. */
export function utcDay(days: number, from = Date.now()): string {
  return new Date(from + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * EDDIE's handshake endpoint as its region connector serves it, over real HTTP on a free port:
 * GET details, PATCH ACCEPT (→ the MqttDto, once) / REJECT / UNFULFILLABLE (→ 204), 400 in the wrong
 * state, 403 without the code's bearer token or for a permission not in the code, 404 for an unknown id.
 * It records every call and can be told to fail the next ones.
 */
export class StandInEddie {
  readonly eddieId = randomUUID();
  readonly accessToken = `eddie-token-${randomBytes(12).toString("hex")}`;
  readonly calls: EddieCall[] = [];
  /** Every request as it arrived, before it was answered. */
  readonly received: Array<{ readonly method: string; readonly permissionId: string }> = [];
  /** Per permission: EDDIE's state and the broker password it handed out. */
  readonly states = new Map<string, EddieState>();
  readonly passwords = new Map<string, string>();
  private readonly details = new Map<string, Json>();
  private readonly faults: Record<string, EddieFault[]> = { GET: [], PATCH: [] };
  private readonly hanging = new Set<ServerResponse>();
  /** EDDIE's broker, when a test runs one: ACCEPT then hands out its URL and registers the password there. */
  private broker: { readonly url: string; grant(permissionId: string, password: string): void } | undefined;
  private baseUrl = "";

  private readonly server = createServer((request, response) => {
    void this.handle(request, response);
  });

  static async start(t: TestContext): Promise<StandInEddie> {
    const eddie = new StandInEddie();
    await new Promise<void>((resolve) => eddie.server.listen(0, "127.0.0.1", resolve));
    eddie.baseUrl = `http://127.0.0.1:${(eddie.server.address() as AddressInfo).port}`;
    t.after(() => eddie.stop());
    return eddie;
  }

  get handshakeUrl(): string {
    return `${this.baseUrl}/region-connectors/aiida/permission-request/{permissionId}`;
  }

  /**
   * New permissions with details: the fixture's, with the permission id, EDDIE's id and a start today and
   * end in 10 days (UTC) unless `request` or `dataNeed` say otherwise. Returns the decoded AIIDA code.
   */
  issue(count = 1, changes: { request?: Json; dataNeed?: Json } = {}): Json {
    const ids = Array.from({ length: count }, () => randomUUID());
    for (const id of ids) {
      const body = fixture("sharing/permission-details.response.json") as Json;
      body.eddie_id = this.eddieId;
      body.permission_request = {
        ...body.permission_request,
        permission_id: id,
        start: utcDay(0),
        end: utcDay(10),
        ...changes.request,
      };
      body.data_need = { ...body.data_need, ...changes.dataNeed };
      this.details.set(id, body);
      this.states.set(id, "SENT_TO_PERMISSION_ADMINISTRATOR");
    }
    return {
      eddieId: this.eddieId,
      permissionIds: ids,
      handshakeUrl: this.handshakeUrl,
      accessToken: this.accessToken,
    };
  }

  /** Hands out this broker on ACCEPT (its URL as serverUri) and registers each new password with it. */
  useBroker(broker: { readonly url: string; grant(permissionId: string, password: string): void }): void {
    this.broker = broker;
  }

  /** The next calls of `method` fail as listed, one fault per call. */
  failNext(method: "GET" | "PATCH", ...faults: EddieFault[]): void {
    this.faults[method]?.push(...faults);
  }

  /** Answers normally again. */
  clearFaults(): void {
    for (const faults of Object.values(this.faults)) faults.length = 0;
  }

  callsOf(method: string, permissionId?: string): EddieCall[] {
    return this.calls.filter(
      (c) => c.method === method && (permissionId === undefined || c.permissionId === permissionId),
    );
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const match = PATH.exec(request.url ?? "");
    const permissionId = decodeURIComponent(match?.[1] ?? "");
    const method = request.method ?? "";
    this.received.push({ method, permissionId });
    const fault = this.faults[method]?.shift();
    const answer = (status: number, json?: unknown) => {
      this.calls.push({
        method,
        permissionId,
        authorization: request.headers.authorization,
        accept: request.headers.accept,
        body,
        status,
      });
      if (json === undefined) response.writeHead(status).end();
      else response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
    };
    if (fault === "hang") {
      this.hanging.add(response);
      return;
    }
    if (fault !== undefined && fault !== "lose-answer" && "status" in fault) {
      return answer(fault.status, errors("injected failure"));
    }
    const [status, json] = this.process(method, permissionId, request.headers.authorization, body);
    if (fault === "lose-answer") return answer(503, errors("the answer was lost"));
    if (fault !== undefined) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    answer(status, json);
  }

  /** EDDIE's own handling: the status and JSON it answers. */
  private process(
    method: string,
    permissionId: string,
    authorization: string | undefined,
    body: unknown,
  ): [number, unknown] {
    const state = this.states.get(permissionId);
    if (state === undefined) return [404, errors(`No permission with ID ${permissionId}`)];
    if (authorization !== `Bearer ${this.accessToken}`) return [403, errors("Access denied")];
    if (method === "GET") return [200, this.details.get(permissionId)];
    if (method !== "PATCH") return [405, errors("Method not allowed")];
    const update = body as Json | undefined;
    const operation = update?.operation;
    if (!["ACCEPT", "REJECT", "UNFULFILLABLE"].includes(operation) || typeof update?.aiidaId !== "string") {
      return [400, errors(`operation: Invalid enum value: '${String(operation)}'.`)];
    }
    if (state !== "SENT_TO_PERMISSION_ADMINISTRATOR") {
      return [400, errors(`Cannot transition from ${state} to ${operation}`)];
    }
    if (operation !== "ACCEPT") {
      this.states.set(permissionId, operation === "REJECT" ? "REJECTED" : "UNFULFILLABLE");
      return [204, undefined];
    }
    this.states.set(permissionId, "ACCEPTED");
    const password = `${randomBytes(9).toString("base64")}!#aZ`;
    this.passwords.set(permissionId, password);
    this.broker?.grant(permissionId, password);
    const dto = fixture("sharing/mqtt-dto.accept.response.json") as Json;
    const template = dto.username as string;
    const ids = (value: unknown) => (value as string).replaceAll(template, permissionId);
    return [
      200,
      {
        ...dto,
        ...(this.broker !== undefined && { serverUri: this.broker.url.replace(/^mqtt:/, "tcp:") }),
        username: permissionId,
        password,
        dataTopic: ids(dto.dataTopic),
        statusTopic: ids(dto.statusTopic),
        commandTopic: ids(dto.commandTopic),
      },
    ];
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function errors(message: string): Json {
  return { errors: [{ message }] };
}

/** The AIIDA code as EDDIE shows it: base64 of the UTF-8 JSON. */
export function base64Code(code: Json): string {
  return Buffer.from(JSON.stringify(code), "utf8").toString("base64");
}
