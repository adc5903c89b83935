import type { FastifyInstance, FastifyRequest } from "fastify";
import { HubError } from "../domain/hub-error.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** "public": reachable without a session. Every other route, and every unmatched path, needs one. */
    access?: "public";
  }
}

/** Route options that declare a route public; spread into `app.get(path, PUBLIC_ROUTE, handler)`. */
export const PUBLIC_ROUTE = { config: { access: "public" } } as const;

/** Whether the route this request matched was declared public (never decided from the URL's spelling). */
export function isPublicRoute(request: FastifyRequest): boolean {
  return request.routeOptions.config.access === "public";
}

/**
 * Requires a session on every request whose matched route is not declared public. Unmatched paths
 * (Fastify's not-found handler carries no config) need one too, so without a session every unknown
 * path answers the same 401 and the set of routes cannot be probed.
 */
export function requireSessionUnlessPublic(
  app: FastifyInstance,
  hasSession: (request: FastifyRequest) => boolean,
): void {
  app.addHook("onRequest", async (request) => {
    if (isPublicRoute(request) || hasSession(request)) return;
    throw new HubError(
      "UNAUTHENTICATED",
      "Log in first: send Authorization: Bearer <token> from POST /api/auth/login.",
    );
  });
}
