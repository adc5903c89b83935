import Fastify, { type FastifyInstance } from "fastify";
import type { Logger } from "../platform/logger.ts";
import { registerAuthRoutes } from "./auth-routes.ts";
import { registerCatalogueRoutes } from "./catalogue-routes.ts";
import { registerDataSourceRoutes } from "./data-source-routes.ts";
import { errorHandler } from "./error-mapping.ts";
import type { HttpContext } from "./http-context.ts";
import { registerRecordRoutes } from "./record-routes.ts";
import { registerStaticUi } from "./static-ui.ts";

/** Builds the HTTP app: REST API under /api with one error mapping. */
export function buildHttpServer(ctx: HttpContext, logger: Logger): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, forceCloseConnections: true });
  app.setErrorHandler(errorHandler(logger));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: { code: "NOT_FOUND", message: `No route ${request.method} ${request.url.split("?")[0]}.` },
    }),
  );
  registerAuthRoutes(app, ctx);
  registerCatalogueRoutes(app, ctx);
  registerDataSourceRoutes(app, ctx);
  registerRecordRoutes(app, ctx);
  registerStaticUi(app, logger);
  return app;
}
