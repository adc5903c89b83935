import type { FastifyInstance, FastifyRequest } from "fastify";
import { HubError } from "../domain/hub-error.ts";
import { bearerTokenOf } from "./auth-routes.ts";
import { unsupportedMediaType } from "./error-mapping.ts";

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Guards every state-changing request against cross-site request forgery:
 * - a body must be `application/json` (a page on another origin can send text/plain or form bodies
 *   with the session cookie without asking first, but not JSON);
 * - a request a browser marks as coming from another origin (`Sec-Fetch-Site`, or an `Origin` that is
 *   not this hub) is refused unless it carries a bearer token, which another origin cannot attach.
 */
export function guardStateChanges(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    if (!STATE_CHANGING.has(request.method)) return;
    if (bearerTokenOf(request) === undefined && isCrossOrigin(request)) {
      throw new HubError(
        "FORBIDDEN",
        "Requests from another origin may not change anything here; use the hub's own page or a bearer token.",
      );
    }
    const type = request.headers["content-type"];
    if ((type !== undefined || hasBody(request)) && !isJson(type)) throw unsupportedMediaType();
  });
}

function isCrossOrigin(request: FastifyRequest): boolean {
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    // "null" (sandboxed frames, some redirects) and anything unparsable is not this hub.
    return true;
  }
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers["content-length"];
  return request.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

function isJson(type: string | undefined): boolean {
  return type?.split(";")[0]?.trim().toLowerCase() === "application/json";
}
