import type { FastifyInstance } from "fastify";
import { COUNTRIES } from "../domain/country-codes.ts";
import { ASSETS, DATA_SOURCE_TYPES, ICONS } from "../domain/data-source.ts";
import { ASSET_DEFAULT_ROLES, DATA_SOURCE_ROLES, type DataSourceRole } from "../domain/data-source-role.ts";
import { OBIS_CODES } from "../domain/obis-code.ts";
import { plainNameText, plainQuantityName } from "../domain/quantity-name.ts";
import { QUALITIES, QUANTITY_TYPES } from "../domain/quantity-type.ts";
import type { HttpContext } from "./http-context.ts";
import { openApiDocument } from "./openapi.ts";
import { PUBLIC_ROUTE } from "./route-access.ts";

/** Health, OpenAPI and the fixed lists a client needs to build forms. */
export function registerCatalogueRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const started = Date.now();
  const openapi = openApiDocument(ctx.version);
  // 503 while the hub can store nothing, so a load balancer or service monitor sees it without parsing.
  app.get("/api/health", PUBLIC_ROUTE, async (_request, reply) => {
    const problem = ctx.hubProblem();
    return reply.status(problem === undefined ? 200 : 503).send({
      status: problem === undefined ? "UP" : "DOWN",
      ...(problem !== undefined && { reason: problem }),
      version: ctx.version,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
    });
  });
  app.get("/api/openapi.json", PUBLIC_ROUTE, async () => openapi);
  app.get("/api/catalogue", async () => ({
    types: DATA_SOURCE_TYPES,
    assets: ASSETS,
    roles: DATA_SOURCE_ROLES.map((role) => ({ role, quantityNames: quantityNamesOf(role) })),
    assetDefaultRoles: ASSET_DEFAULT_ROLES,
    icons: ICONS,
    countries: COUNTRIES,
    quantityTypes: QUANTITY_TYPES.map((q) => ({
      type: String(q.code),
      name: q.name,
      dataTag: q.obis.code,
      unit: q.obis.unit,
    })),
    qualities: QUALITIES,
    obisCodes: OBIS_CODES.map(({ code, name, unit }) => ({ code, name, unit })),
    timeZone: ctx.timeZone,
  }));
}

/** A role's plain quantity names by OBIS code: the parts a UI translates, and the English text. */
function quantityNamesOf(role: DataSourceRole) {
  return Object.fromEntries(
    OBIS_CODES.flatMap(({ code }) => {
      const name = plainQuantityName(role, code);
      return name === undefined ? [] : [[code, { ...name, text: plainNameText(name) }]];
    }),
  );
}
