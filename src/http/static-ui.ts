import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../platform/logger.ts";
import { type UiAsset, uiAssets } from "./ui-bundle.ts";

/** The page's policy: only our own scripts; uPlot sizes its elements through inline styles. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Serves the web UI at `/`: assets by name, and index.html for every other GET path without a dot
 * (the UI routes in the browser). Register after the API routes; /api paths never reach it.
 */
export function registerStaticUi(app: FastifyInstance, logger: Logger): void {
  // Start bundling now so the first page load does not wait; a failure is logged once, and the API keeps working.
  const assets = uiAssets();
  assets.catch((err: unknown) => logger.error("web UI bundle failed", { error: String(err) }));

  app.get("/*", async (request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    if (path.startsWith("/api/") || path === "/api") return reply.callNotFound();
    const files = await assets.catch(() => undefined);
    if (!files) {
      return reply
        .status(503)
        .send({ error: { code: "UNAVAILABLE", message: "The web UI could not be built." } });
    }
    const file = path.includes(".") ? files.get(path) : files.get("/index.html");
    if (!file) return reply.callNotFound();
    return send(request, reply, file);
  });
}

function send(request: FastifyRequest, reply: FastifyReply, file: UiAsset) {
  reply
    .header("content-type", file.contentType)
    .header("etag", file.etag)
    // Revalidate every time: the bundle changes with each hub version and has no hashed name.
    .header("cache-control", "no-cache")
    .header("x-content-type-options", "nosniff");
  if (file.contentType.startsWith("text/html")) {
    reply.header("content-security-policy", CSP).header("referrer-policy", "no-referrer");
  }
  if (request.headers["if-none-match"] === file.etag) return reply.status(304).send();
  return reply.send(file.body);
}
