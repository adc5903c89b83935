import { parse as parseCookies, serialize as serializeCookie } from "cookie";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { HttpContext } from "./http-context.ts";
import { PUBLIC_ROUTE, requireSessionUnlessPublic, sessionOfRequest } from "./route-access.ts";
import { changePasswordBody, loginBody } from "./schemas.ts";
import { validate } from "./validate.ts";

/** Name of the session cookie the UI uses (the API also takes `Authorization: Bearer`). */
export const SESSION_COOKIE = "aiida_hub_session";

/** The bearer token of a request, if it sent one. */
export function bearerTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
}

/** The session cookie of a request, if it sent one. */
function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  return header ? parseCookies(header)[SESSION_COOKIE] : undefined;
}

/** The bearer token or session cookie of a request, if any. */
function tokenOf(request: FastifyRequest): string | undefined {
  return bearerTokenOf(request) ?? sessionCookieOf(request);
}

/** The user whose session made the request (private routes only: the session hook already found it). */
export function sessionUserOf(request: FastifyRequest): string {
  return sessionOfRequest(request).user;
}

/** The session cookie; Secure when the request came over HTTPS, so the browser never sends it back in clear. */
function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  return serializeCookie(SESSION_COOKIE, value, {
    path: "/",
    httpOnly: true,
    sameSite: "strict",
    secure: request.protocol === "https",
    maxAge: maxAgeSeconds,
  });
}

/** Login, logout, password change, and the hook that requires a session on every route not declared public. */
export function registerAuthRoutes(app: FastifyInstance, ctx: HttpContext): void {
  requireSessionUnlessPublic(app, async (request) => {
    const token = tokenOf(request);
    if (token === undefined) return undefined;
    const user = await ctx.auth.userOf(token);
    return user === undefined ? undefined : { token, user };
  });

  app.post("/api/auth/login", PUBLIC_ROUTE, async (request, reply) => {
    const body = validate(loginBody, request.body, "login request");
    const session = await ctx.auth.login(body.username, body.password, request.ip);
    const maxAge = Math.floor((session.expiresAt - Date.now()) / 1000);
    reply.header("set-cookie", sessionCookie(request, session.token, maxAge));
    return {
      token: session.token,
      tokenType: "Bearer",
      expiresAt: new Date(session.expiresAt).toISOString(),
    };
  });

  app.post("/api/auth/logout", async (request, reply) => {
    await ctx.auth.logout(sessionOfRequest(request).token);
    await ctx.liveStreams.endLoggedOut();
    reply.header("set-cookie", sessionCookie(request, "", 0));
    return reply.status(204).send();
  });

  // Only the caller's session survives: changing the password is how to shut out whoever else had one.
  app.put("/api/auth/password", async (request, reply) => {
    const body = validate(changePasswordBody, request.body, "password change");
    await ctx.auth.changePassword(
      sessionOfRequest(request),
      body.currentPassword,
      body.newPassword,
      request.ip,
    );
    await ctx.liveStreams.endLoggedOut();
    return reply.status(204).send();
  });

  app.get("/api/auth/me", async (request) => ({ username: sessionOfRequest(request).user }));
}
