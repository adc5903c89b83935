import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../platform/logger.ts";
import { mayReachApi } from "./api-path.ts";
import { PUBLIC_ROUTE } from "./route-access.ts";
import { type UiAsset, uiAssets } from "./ui-bundle.ts";

/** The page's policy: only our own scripts; uPlot sizes its elements through inline styles. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The pages of the web UI (its router's paths): each answers index.html, and the browser routes. */
export const UI_PAGES = [
  "/",
  "/login",
  "/sources",
  "/sources/:id",
  "/sources/:id/history",
  "/permissions",
  "/permissions/:id",
] as const;

/** The files of the web UI by name (what the bundle and web/ hold; a test keeps the two equal). */
export const UI_FILES = [
  "/index.html",
  "/favicon.svg",
  "/bundle.js",
  "/bundle.js.map",
  "/bundle.css",
  "/bundle.css.map",
] as const;

/**
 * Serves the web UI: index.html for each page, and the bundle's files by name. These routes are
 * public (the login page must load without a session); every other path is not, so no spelling of
 * an API path can land on a public catch-all.
 *
 * Also answers every unmatched path: one that could be meant for the API (`mayReachApi`; reached
 * only with a session, see route-access.ts) or sent with another method than GET or HEAD gets the
 * API's 404 JSON; any other gets index.html with status 404, whose router shows "Page not found".
 * That page is the same file for everyone and carries no data.
 */
export function registerStaticUi(app: FastifyInstance, logger: Logger): void {
  // Start bundling now so the first page load does not wait; a failure is logged once, and the API keeps working.
  const assets = uiAssets();
  assets.catch((err: unknown) => logger.error("web UI bundle failed", { error: String(err) }));
  const serve = async (name: string, request: FastifyRequest, reply: FastifyReply, status = 200) => {
    const files = await assets.catch(() => undefined);
    if (!files) {
      return reply
        .status(503)
        .send({ error: { code: "UNAVAILABLE", message: "The web UI could not be built." } });
    }
    const file = files.get(name);
    // Without the file, the not-found page itself answers plainly rather than calling itself again.
    if (!file) return status === 404 ? notFoundJson(request, reply) : reply.callNotFound();
    return send(request, reply, file, status);
  };
  for (const page of UI_PAGES)
    app.get(page, PUBLIC_ROUTE, (request, reply) => serve("/index.html", request, reply));
  for (const name of UI_FILES) app.get(name, PUBLIC_ROUTE, (request, reply) => serve(name, request, reply));
  app.setNotFoundHandler((request, reply) => {
    if (mayReachApi(request.url) || (request.method !== "GET" && request.method !== "HEAD")) {
      return notFoundJson(request, reply);
    }
    return serve("/index.html", request, reply, 404);
  });
}

/** The API's answer for a path no route matches. */
function notFoundJson(request: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({
    error: { code: "NOT_FOUND", message: `No route ${request.method} ${request.url.split("?")[0]}.` },
  });
}

function send(request: FastifyRequest, reply: FastifyReply, file: UiAsset, status: number) {
  reply
    .header("content-type", file.contentType)
    .header("etag", file.etag)
    // Revalidate every time: the bundle changes with each hub version and has no hashed name.
    .header("cache-control", "no-cache")
    .header("x-content-type-options", "nosniff");
  if (file.contentType.startsWith("text/html")) {
    reply.header("content-security-policy", CSP).header("referrer-policy", "no-referrer");
  }
  // A not-found answer is never "not modified": the browser must show the 404 it asked for.
  if (status === 200 && request.headers["if-none-match"] === file.etag) return reply.status(304).send();
  return reply.status(status).send(file.body);
}
