import type { FastifyInstance } from "fastify";
import { recordDto } from "./dto.ts";
import type { HttpContext } from "./http-context.ts";
import { sessionOfRequest } from "./route-access.ts";

/**
 * `GET /api/live`: one Server-Sent Event stream with every data source's stored records, for the
 * overview page. One stream for all tiles keeps a household with many devices within the
 * per-session stream limit that one stream per tile would exceed.
 */
export function registerAllSourcesLiveRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.get("/api/live", (request, reply) => {
    const stream = ctx.liveStreams.open(sessionOfRequest(request).token, reply);
    const unwatch = ctx.watchLive("all");
    const offRecord = ctx.recordBus.subscribe((record) => stream.send("record", recordDto(record)));
    stream.onStop(() => {
      offRecord();
      unwatch();
    });
  });
}
