import type { FastifyInstance } from "fastify";
import { HubError } from "../domain/hub-error.ts";
import { obisByCode } from "../domain/obis-code.ts";
import { sourceIdOf } from "./data-source-routes.ts";
import { recordDto } from "./dto.ts";
import type { HttpContext } from "./http-context.ts";
import { sessionOfRequest } from "./route-access.ts";
import { feedbackQuery, recordsQuery } from "./schemas.ts";
import { validate } from "./validate.ts";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Most buckets one series query may return per quantity, so a chart query stays bounded. */
const MAX_BUCKETS = 10_000;

/** Reading stored data back: latest record, raw pages, downsampled series, live stream, feedback. */
export function registerRecordRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const existing = async (params: unknown) => (await ctx.dataSources.get(sourceIdOf(params))).id;

  app.get("/api/datasources/:id/records/latest", async (request) => {
    const id = await existing(request.params);
    const record = await ctx.records.latest(id);
    if (!record) throw new HubError("NOT_FOUND", `Data source ${id} has no records yet.`);
    return recordDto(record);
  });

  app.get("/api/datasources/:id/records", async (request) => {
    const id = await existing(request.params);
    const q = validate(recordsQuery, request.query, "records query");
    if (q.bucket !== undefined) {
      // Buckets of an hour or more snap to whole hours, which the hourly rollups can answer quickly.
      const bucketMs = q.bucket >= HOUR_MS ? Math.round(q.bucket / HOUR_MS) * HOUR_MS : q.bucket;
      const to = q.to ?? Date.now();
      const from = q.from ?? to - DAY_MS;
      if (from > to) throw invalid("from", "must not be after to");
      if ((to - from) / bucketMs > MAX_BUCKETS) {
        throw invalid(
          "bucket",
          `gives more than ${MAX_BUCKETS} buckets for this range; choose a larger bucket`,
        );
      }
      const series = await ctx.records.series(id, from, to, bucketMs, q.obis);
      return {
        dataSourceId: id,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        bucketMs,
        series: [...series].map(([code, points]) => {
          const obis = obisByCode(code);
          return {
            dataTag: code,
            name: obis?.name,
            unitOfMeasurement: obis?.unit,
            points: points.map((p) => ({ ...p, t: new Date(p.t).toISOString() })),
          };
        }),
      };
    }
    if (q.from !== undefined && q.to !== undefined && q.from > q.to)
      throw invalid("from", "must not be after to");
    const records = await ctx.records.query(id, {
      limit: q.limit,
      ...(q.from !== undefined && { from: q.from }),
      ...(q.to !== undefined && { to: q.to }),
      ...(q.before !== undefined && { before: q.before }),
      ...(q.obis !== undefined && { obis: q.obis }),
    });
    const last = records.at(-1);
    return {
      dataSourceId: id,
      records: records.map(recordDto),
      nextBefore: records.length === q.limit && last ? last.timestamp : null,
    };
  });

  app.get("/api/datasources/:id/feedback", async (request) => {
    const id = await existing(request.params);
    const q = validate(feedbackQuery, request.query, "feedback query");
    return await ctx.records.feedback(id, q.limit);
  });

  app.get("/api/datasources/:id/live", async (request, reply) => {
    const id = await existing(request.params);
    const stream = ctx.liveStreams.open(sessionOfRequest(request).token, reply);
    const unwatch = ctx.watchLive(id);
    const offRecord = ctx.recordBus.subscribe((r) => {
      if (r.dataSourceId === id) stream.send("record", recordDto(r));
    });
    const offFeedback = ctx.feedbackBus.subscribe((f) => {
      if (f.dataSourceId === id) stream.send("feedback", f);
    });
    stream.onStop(() => {
      offRecord();
      offFeedback();
      unwatch();
    });
  });
}

function invalid(path: string, reason: string): HubError {
  return new HubError("VALIDATION_FAILED", `The records query is not valid: ${path} ${reason}.`, [
    { path, reason },
  ]);
}
