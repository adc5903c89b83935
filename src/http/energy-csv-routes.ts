import type { FastifyInstance } from "fastify";
import { CSV_CONTENT_TYPE } from "../platform/csv.ts";
import { LocalTimes } from "../platform/local-time.ts";
import { energyCsv } from "../services/energy-csv.ts";
import { exportFileName } from "../services/export-file-name.ts";
import { answerEnergyQuery } from "./energy-request.ts";
import type { HttpContext } from "./http-context.ts";

/**
 * GET /api/datasources/{id}/energy.csv: the answer of /energy as a CSV attachment for spreadsheets, with
 * the same parameters and errors. At most 10,000 short rows, so it is made whole rather than streamed.
 */
export function registerEnergyCsvRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get("/api/datasources/:id/energy.csv", async (request, reply) => {
    // Everything that can fail happens first: an error answer is JSON, not a CSV attachment.
    const answer = await answerEnergyQuery(ctx, request.params, request.query);
    const times = new LocalTimes(answer.timeZone);
    const { edges } = answer.calendar;
    const from = edges[0] ?? 0;
    const to = edges[edges.length - 1] ?? 0;
    const csv = energyCsv(answer.source.role, answer.calendar, answer.quantities, answer.timeZone);
    const fileName = exportFileName(answer.source, from, to, times, `energy-${answer.interval}`);
    return reply
      .type(CSV_CONTENT_TYPE)
      .header("content-disposition", `attachment; filename="${fileName}"`)
      .header("cache-control", "no-store")
      .send(csv);
  });
}
