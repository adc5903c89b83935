import { parse as parseCookies, serialize as serializeCookie } from "cookie";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HubError } from "../domain/hub-error.ts";
import type { HttpContext } from "./http-context.ts";
import { PUBLIC_ROUTE, requireSessionUnlessPublic } from "./route-access.ts";
import { loginBody } from "./schemas.ts";
import { validate } from "./validate.ts";

/** Name of the session cookie the UI uses (the API also takes `Authorization: Bearer`). */
export const SESSION_COOKIE = "aiida_hub_session";

/** The bearer token of a request, if it sent one. */
export function bearerTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
}

/** The session cookie of a request, if it sent one. */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  return header ? parseCookies(header)[SESSION_COOKIE] : undefined;
}

/** The bearer token or session cookie of a request, if any. */
export function tokenOf(request: FastifyRequest): string | undefined {
  return bearerTokenOf(request) ?? sessionCookieOf(request);
}

/** The user whose session made the request (private routes only: the session hook already required one). */
export function sessionUserOf(request: FastifyRequest, ctx: HttpContext): string {
  const token = tokenOf(request);
  const user = token === undefined ? undefined : ctx.auth.userOf(token);
  if (user === undefined) throw new HubError("UNAUTHENTICATED", "Log in first.");
  return user;
}

function sessionCookie(value: string, maxAgeSeconds: number): string {
  return serializeCookie(SESSION_COOKIE, value, {
    path: "/",
    httpOnly: true,
    sameSite: "strict",
    maxAge: maxAgeSeconds,
  });
}

/** Login, logout, and the hook that requires a session on every route not declared public. */
export function registerAuthRoutes(app: FastifyInstance, ctx: HttpContext): void {
  requireSessionUnlessPublic(app, (request) => {
    const token = tokenOf(request);
    return token !== undefined && ctx.auth.userOf(token) !== undefined;
  });

  app.post("/api/auth/login", PUBLIC_ROUTE, async (request, reply) => {
    const body = validate(loginBody, request.body, "login request");
    const session = await ctx.auth.login(body.username, body.password, request.ip);
    const maxAge = Math.floor((session.expiresAt - Date.now()) / 1000);
    reply.header("set-cookie", sessionCookie(session.token, maxAge));
    return {
      token: session.token,
      tokenType: "Bearer",
      expiresAt: new Date(session.expiresAt).toISOString(),
    };
  });

  app.post("/api/auth/logout", async (request, reply) => {
    const token = tokenOf(request);
    if (token) ctx.auth.logout(token);
    reply.header("set-cookie", sessionCookie("", 0));
    return reply.status(204).send();
  });

  app.get("/api/auth/me", async (request) => ({ username: ctx.auth.userOf(tokenOf(request) ?? "") }));
}
