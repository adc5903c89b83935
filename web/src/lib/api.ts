import { t } from "../i18n/i18n.ts";
import { reportContact } from "./hub-contact.ts";

/** Answers that come from a proxy in front of a hub that is not answering, not from the hub. */
const GATEWAY_FAILURES = new Set([502, 503, 504]);

/** One problem with a field, as the API reports it. */
export interface FieldProblem {
  readonly path: string;
  readonly reason: string;
}

/** A failed API call, carrying the hub's `{ error: { code, message, details } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let onUnauthenticated: () => void = () => {};

/** Sets what happens when a call finds the session gone (the app shows the login page). */
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

/**
 * Calls the hub's API with the session cookie (same origin). Resolves with the parsed body, or
 * rejects with an ApiError whose message can be shown as it is.
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api${path}`, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  } catch {
    reportContact(false);
    throw new ApiError(0, "NETWORK", t("api.unreachable"));
  }
  // The hub itself answers 503 while its storage is lost: that is contact, with bad news.
  reportContact(
    !GATEWAY_FAILURES.has(res.status) || res.headers.get("content-type")?.includes("json") === true,
  );
  const text = await res.text();
  const parsed: unknown = text === "" ? undefined : safeJson(text);
  if (res.ok) return parsed as T;
  const error = (parsed as { error?: { code?: string; message?: string; details?: FieldProblem[] } })?.error;
  const failure = new ApiError(
    res.status,
    error?.code ?? `HTTP_${res.status}`,
    error?.message ?? t("api.answered", { status: res.status, statusText: res.statusText }),
    error?.details ?? [],
  );
  // A login attempt answers 401 for a wrong password; only other calls mean the session has ended.
  if (res.status === 401 && path !== "/auth/login") onUnauthenticated();
  throw failure;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The message to show for any failure. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
