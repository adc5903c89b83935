import type { FastifyInstance } from "fastify";
import type { DataSource } from "../domain/data-source.ts";
import { sessionUserOf } from "./auth-routes.ts";
import { dataSourceDto } from "./dto.ts";
import type { HttpContext } from "./http-context.ts";
import { createDataSourceBody, patchDataSourceBody } from "./schemas.ts";
import { uuidParam } from "./uuid-param.ts";
import { validate } from "./validate.ts";

/** The data source id from the path; an id that cannot exist is simply not found. */
export function sourceIdOf(params: unknown): string {
  return uuidParam(params, "id", "data source");
}

/** CRUD for data sources and password regeneration. */
export function registerDataSourceRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const dto = async (source: DataSource) => {
    const counters = await ctx.dataSourceStore.counters(source.id);
    const health = ctx.healthOf(source.id, counters?.lastMessageAt ?? null);
    return dataSourceDto(source, ctx.brokerUrl(), health, counters);
  };

  app.post("/api/datasources", async (request, reply) => {
    const body = validate(createDataSourceBody, request.body, "data source");
    const { source, secrets } = await ctx.dataSources.create({
      ...body,
      meterId: body.meterId ?? null,
      operatorId: body.operatorId ?? null,
      plausibility: body.plausibility ?? null,
      owner: sessionUserOf(request),
    });
    reply.header("cache-control", "no-store");
    return reply.status(201).send({ ...(await dto(source)), credentials: secrets });
  });

  app.get("/api/datasources", async () => {
    const sources = await ctx.dataSources.list();
    // One after another, as before: each reads its counters from the same store.
    const dtos = [];
    for (const source of sources) dtos.push(await dto(source));
    return dtos;
  });

  app.get("/api/datasources/:id", async (request) =>
    dto(await ctx.dataSources.get(sourceIdOf(request.params))),
  );

  app.patch("/api/datasources/:id", async (request) => {
    const id = sourceIdOf(request.params);
    const patch = validate(patchDataSourceBody, request.body, "data source change");
    const clean = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    return dto(await ctx.dataSources.update(id, clean));
  });

  app.delete("/api/datasources/:id", async (request, reply) => {
    await ctx.dataSources.delete(sourceIdOf(request.params));
    return reply.status(204).send();
  });

  app.post("/api/datasources/:id/regenerate-password", async (request, reply) => {
    const secrets = await ctx.dataSources.regeneratePassword(sourceIdOf(request.params));
    reply.header("cache-control", "no-store");
    return secrets;
  });

  app.get("/api/datasources/:id/connections", async (request) => {
    const id = (await ctx.dataSources.get(sourceIdOf(request.params))).id;
    return { dataSourceId: id, events: ctx.connectionsOf(id) };
  });

  app.get("/api/datasources/:id/health", async (request) => {
    const id = (await ctx.dataSources.get(sourceIdOf(request.params))).id;
    return ctx.healthOf(id, (await ctx.dataSourceStore.counters(id))?.lastMessageAt ?? null);
  });
}
