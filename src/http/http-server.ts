import Fastify, { type FastifyInstance } from "fastify";
import type { Logger } from "../platform/logger.ts";
import { registerAllSourcesLiveRoute } from "./all-sources-live-route.ts";
import { registerAuthRoutes } from "./auth-routes.ts";
import { registerCatalogueRoutes } from "./catalogue-routes.ts";
import { registerDataSourceRoutes } from "./data-source-routes.ts";
import { registerEnergyCsvRoutes } from "./energy-csv-routes.ts";
import { registerEnergyRoutes } from "./energy-routes.ts";
import { errorHandler } from "./error-mapping.ts";
import type { HttpContext } from "./http-context.ts";
import { registerPermissionRoutes } from "./permission-routes.ts";
import { registerRecordRoutes } from "./record-routes.ts";
import { registerRecordsCsvRoutes } from "./records-csv-routes.ts";
import { registerSharingFlowRoutes } from "./sharing-flow-routes.ts";
import { guardStateChanges } from "./state-change-guard.ts";
import { registerStaticUi } from "./static-ui.ts";
import { registerTlsRoutes } from "./tls-routes.ts";

/** Builds the HTTP app: REST API under /api and the web UI, with one error mapping. */
export function buildHttpServer(ctx: HttpContext, logger: Logger): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, forceCloseConnections: true });
  app.setErrorHandler(errorHandler(logger));
  registerRoutes(app, ctx, logger);
  return app;
}

/** Every route and request guard of the hub, in the order they apply. */
export function registerRoutes(app: FastifyInstance, ctx: HttpContext, logger: Logger): void {
  guardStateChanges(app);
  registerApiRoutes(app, ctx, logger);
  registerStaticUi(app, logger);
}

/** Every route under /api (the OpenAPI document must name each: test/hub/rest-api.test.ts). */
export function registerApiRoutes(app: FastifyInstance, ctx: HttpContext, logger: Logger): void {
  registerAuthRoutes(app, ctx);
  registerCatalogueRoutes(app, ctx);
  registerDataSourceRoutes(app, ctx);
  registerRecordRoutes(app, ctx);
  registerAllSourcesLiveRoute(app, ctx);
  registerRecordsCsvRoutes(app, ctx, logger);
  registerEnergyRoutes(app, ctx);
  registerEnergyCsvRoutes(app, ctx);
  registerPermissionRoutes(app, ctx);
  registerSharingFlowRoutes(app, ctx);
  registerTlsRoutes(app, ctx);
}
