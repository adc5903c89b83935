import type { FastifyInstance } from "fastify";
import { energyDto } from "./energy-dto.ts";
import { answerEnergyQuery } from "./energy-request.ts";
import type { HttpContext } from "./http-context.ts";

/** Energy per local calendar hour, day, week or month, from total registers or integrated power. */
export function registerEnergyRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get("/api/datasources/:id/energy", async (request) => {
    const answer = await answerEnergyQuery(ctx, request.params, request.query);
    return energyDto(
      {
        dataSourceId: answer.source.id,
        timeZone: answer.timeZone,
        interval: answer.interval,
        maxGapSeconds: answer.maxGapSeconds,
      },
      answer.calendar,
      answer.quantities,
    );
  });
}
