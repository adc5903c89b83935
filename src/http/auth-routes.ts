import type { FastifyInstance, FastifyRequest } from "fastify";
import { HubError } from "../domain/hub-error.ts";
import type { HttpContext } from "./http-context.ts";
import { loginBody } from "./schemas.ts";
import { validate } from "./validate.ts";

/** Name of the session cookie the UI uses (the API also takes `Authorization: Bearer`). */
export const SESSION_COOKIE = "aiida_hub_session";

/** Routes reachable without a session. */
const PUBLIC_ROUTES = new Set(["/api/health", "/api/auth/login", "/api/openapi.json"]);

/** The bearer token or session cookie of a request, if any. */
export function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice(7).trim();
  const cookies = request.headers.cookie ?? "";
  for (const part of cookies.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) return decodeURIComponent(rest.join("="));
  }
  return undefined;
}

/** Login, logout, and the hook that requires a session on every other /api route. */
export function registerAuthRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.addHook("onRequest", async (request) => {
    const path = request.url.split("?")[0] ?? "";
    if (!path.startsWith("/api/") || PUBLIC_ROUTES.has(path)) return;
    const token = tokenOf(request);
    if (!token || !ctx.auth.userOf(token)) {
      throw new HubError(
        "UNAUTHENTICATED",
        "Log in first: send Authorization: Bearer <token> from POST /api/auth/login.",
      );
    }
  });

  app.post("/api/auth/login", async (request, reply) => {
    const body = validate(loginBody, request.body, "login request");
    const session = await ctx.auth.login(body.username, body.password);
    const maxAge = Math.floor((session.expiresAt - Date.now()) / 1000);
    reply.header(
      "set-cookie",
      `${SESSION_COOKIE}=${encodeURIComponent(session.token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}`,
    );
    return {
      token: session.token,
      tokenType: "Bearer",
      expiresAt: new Date(session.expiresAt).toISOString(),
    };
  });

  app.post("/api/auth/logout", async (request, reply) => {
    const token = tokenOf(request);
    if (token) ctx.auth.logout(token);
    reply.header("set-cookie", `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return reply.status(204).send();
  });

  app.get("/api/auth/me", async (request) => ({ username: ctx.auth.userOf(tokenOf(request) ?? "") }));
}
