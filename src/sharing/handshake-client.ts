import { isJsonObject, ownField } from "../cim/json-value.ts";

/** EDDIE's answer to a handshake call, or why there is none. */
export type HandshakeAnswer =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  | {
      readonly ok: false;
      /** True when trying again cannot help (a 4xx other than 408 and 429, or a redirect). */
      readonly final: boolean;
      readonly status: number | undefined;
      /** A sentence for the user and the log; never holds the access token. */
      readonly reason: string;
    };

/** The operations of PATCH {handshakeUrl} (EDDIE's AiidaPermissionUpdateDto). */
export type HandshakeOperation = "ACCEPT" | "REJECT" | "UNFULFILLABLE";

/** EDDIE's handshake calls as this hub makes them. */
export interface Handshake {
  getDetails(url: string, accessToken: string, signal: AbortSignal): Promise<HandshakeAnswer>;
  patch(
    url: string,
    accessToken: string,
    body: { readonly operation: HandshakeOperation; readonly aiidaId: string },
    signal: AbortSignal,
  ): Promise<HandshakeAnswer>;
}

/** EDDIE answers in a few hundred bytes; anything this long is not one of its answers. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * EDDIE's handshake over HTTP: `Authorization: Bearer <access token>`, a timeout on every call (AIIDA has
 * none and can hang for ever), and no redirects (a redirect would carry the token to another address).
 */
export class HttpHandshake implements Handshake {
  constructor(private readonly timeoutMs: number) {}

  getDetails(url: string, accessToken: string, signal: AbortSignal): Promise<HandshakeAnswer> {
    return this.call("GET", url, accessToken, undefined, signal);
  }

  patch(
    url: string,
    accessToken: string,
    body: { readonly operation: HandshakeOperation; readonly aiidaId: string },
    signal: AbortSignal,
  ): Promise<HandshakeAnswer> {
    return this.call("PATCH", url, accessToken, JSON.stringify(body), signal);
  }

  private async call(
    method: string,
    url: string,
    accessToken: string,
    body: string | undefined,
    stop: AbortSignal,
  ): Promise<HandshakeAnswer> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const headers: Record<string, string> = {
      authorization: `Bearer ${accessToken}`,
      accept: "application/json",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(body !== undefined && { body }),
        redirect: "manual",
        signal: AbortSignal.any([stop, timeout]),
      });
      text = await response.text();
    } catch (error) {
      if (timeout.aborted) {
        return failed(false, undefined, `EDDIE did not answer within ${this.timeoutMs / 1000} s`);
      }
      if (stop.aborted) return failed(false, undefined, "the hub stopped before EDDIE answered");
      return failed(false, undefined, `EDDIE cannot be reached: ${networkReason(error)}`);
    }
    const status = response.status;
    if (status >= 300 && status < 400) {
      const where = response.headers.get("location") ?? "another address";
      return failed(
        true,
        status,
        `EDDIE answered HTTP ${status}, a redirect to ${where}, which the hub does not follow with the access token`,
      );
    }
    if (status >= 400) {
      const retry = status >= 500 || status === 408 || status === 429;
      return failed(!retry, status, `EDDIE answered HTTP ${status}${eddieMessage(text)}`);
    }
    if (Buffer.byteLength(text) > MAX_ANSWER_BYTES) {
      return failed(false, status, `EDDIE's answer has more than ${MAX_ANSWER_BYTES} bytes`);
    }
    if (text.trim() === "") return { ok: true, status, body: undefined };
    try {
      return { ok: true, status, body: JSON.parse(text) as unknown };
    } catch {
      return { ok: true, status, body: text };
    }
  }
}

function failed(final: boolean, status: number | undefined, reason: string): HandshakeAnswer {
  return { ok: false, final, status, reason };
}

/** The cause of a failed fetch in a few words (fetch reports "fetch failed" and puts the cause below). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string") return code;
  return cause instanceof Error ? cause.message : String(error);
}

/** ": <message>" from EDDIE's error body `{"errors":[{"message":…}]}`, shortened; "" when there is none. */
function eddieMessage(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "";
  }
  if (!isJsonObject(value)) return "";
  const errors = ownField(value, "errors");
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  const message = isJsonObject(first) ? ownField(first, "message") : undefined;
  if (typeof message !== "string" || message.trim() === "") return "";
  return `: ${message.length > 300 ? `${message.slice(0, 300)}…` : message}`;
}
