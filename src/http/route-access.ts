import type { FastifyInstance, FastifyRequest } from "fastify";
import { HubError } from "../domain/hub-error.ts";
import { mayReachApi } from "./api-path.ts";

/** The session a request was made in: its token (bearer or cookie) and the user it belongs to. */
export interface RequestSession {
  readonly token: string;
  readonly user: string;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** "public": reachable without a session. Every other route, and every unmatched path, needs one. */
    access?: "public";
  }
  interface FastifyRequest {
    /** Set by the session hook on every route that is not public; null on public routes. */
    session: RequestSession | null;
  }
}

/** Route options that declare a route public; spread into `app.get(path, PUBLIC_ROUTE, handler)`. */
export const PUBLIC_ROUTE = { config: { access: "public" } } as const;

/**
 * Requires a session on every request whose matched route is not declared public (decided from the
 * route that matched, never from the URL's spelling), and keeps it on `request.session` so routes do
 * not look it up again. Unmatched paths that could be meant for the API, in any spelling
 * (`mayReachApi`), need one too, so without a session every unknown API path answers the same 401
 * as a private route and the set of API routes cannot be probed. Other unmatched paths reach the
 * not-found page without one: it carries no data.
 */
export function requireSessionUnlessPublic(
  app: FastifyInstance,
  sessionOf: (request: FastifyRequest) => Promise<RequestSession | undefined>,
): void {
  app.decorateRequest("session", null);
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.config.access === "public") return;
    if (request.is404 && !mayReachApi(request.url)) return;
    const session = await sessionOf(request);
    if (session === undefined) {
      throw new HubError(
        "UNAUTHENTICATED",
        "Log in first: send Authorization: Bearer <token> from POST /api/auth/login.",
      );
    }
    request.session = session;
  });
}

/** The session of a request on a private route (the hook has required one). */
export function sessionOfRequest(request: FastifyRequest): RequestSession {
  if (request.session === null) throw new HubError("UNAUTHENTICATED", "Log in first.");
  return request.session;
}
