import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { CSV_CONTENT_TYPE } from "../platform/csv.ts";
import { LocalTimes } from "../platform/local-time.ts";
import type { Logger } from "../platform/logger.ts";
import { exportFileName } from "../services/export-file-name.ts";
import { recordsCsv } from "../services/records-csv.ts";
import { sourceIdOf } from "./data-source-routes.ts";
import { exportRange } from "./export-range.ts";
import { ExportSlots } from "./export-slots.ts";
import type { HttpContext } from "./http-context.ts";

/** Exports streaming at once, hub-wide. */
const MAX_EXPORTS = 2;
/** Bytes of CSV text the stream keeps ready beyond what the socket took: about one page. */
const STREAM_BUFFER_BYTES = 64 * 1024;

/**
 * GET /api/datasources/{id}/records.csv: the raw records of a range as CSV, streamed page by page with
 * backpressure, so a year of 3-second data never sits in memory; a client that goes away stops the reading.
 */
export function registerRecordsCsvRoutes(
  app: FastifyInstance,
  ctx: HttpContext,
  logger: Logger,
  slots = new ExportSlots(MAX_EXPORTS),
): void {
  app.get("/api/datasources/:id/records.csv", async (request, reply) => {
    const source = await ctx.dataSources.get(sourceIdOf(request.params));
    const times = new LocalTimes(ctx.timeZone);
    const range = exportRange(request.query, times, Date.now());
    // Headers only once nothing can fail any more: an error answer is JSON, not a CSV attachment.
    const csvHeaders = () =>
      reply
        .type(CSV_CONTENT_TYPE)
        .header(
          "content-disposition",
          `attachment; filename="${exportFileName(source, range.from, range.to, times)}"`,
        )
        .header("cache-control", "no-store");
    // Fastify answers HEAD with this handler and drains a stream it is given: read no records for it.
    if (request.method === "HEAD") return csvHeaders().send();
    const release = slots.take();
    let csv: Awaited<ReturnType<typeof recordsCsv>>;
    try {
      csv = await recordsCsv(ctx.records, source, range, times);
    } catch (err) {
      release();
      throw err;
    }
    const stream = Readable.from(csv.chunks, { objectMode: false, highWaterMark: STREAM_BUFFER_BYTES });
    // "close" comes once the generator has ended: finished, failed, or stopped because the client left.
    stream.once("close", release);
    stream.once("error", (err) => {
      // The response is cut short, so the download fails visibly instead of ending as a shorter file.
      logger.error("a records CSV export failed midway", { dataSourceId: source.id, error: String(err) });
    });
    return csvHeaders().send(stream);
  });
}
