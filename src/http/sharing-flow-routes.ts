import type { FastifyInstance, FastifyRequest } from "fastify";
import { HubError } from "../domain/hub-error.ts";
import { obisByCode } from "../domain/obis-code.ts";
import type { LastSentMessage } from "../domain/sharing-flow.ts";
import { CSV_CONTENT_TYPE, csvRow } from "../platform/csv.ts";
import { sessionUserOf } from "./auth-routes.ts";
import type { HttpContext } from "./http-context.ts";
import { instant } from "./permission-dto.ts";
import { permissionIdOf } from "./permission-routes.ts";

/** A stored message as JSON; a payload that is not JSON (it always is) is shown as text. */
function content(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

function sent(message: LastSentMessage) {
  return { sentAt: instant(message.sentAt), content: content(message.payload) };
}

const CSV_COLUMNS = [
  "permissionId",
  "schema",
  "obisCode",
  "name",
  "unit",
  "values",
  "firstSentAt",
  "lastSentAt",
  "grantTime",
  "revokeTime",
] as const;

/** The data flow to EDDIE and the consent record (what left the house) of each of the session user's permissions. */
export function registerSharingFlowRoutes(app: FastifyInstance, ctx: HttpContext): void {
  // Another owner's permission is not found, as one that does not exist (PermissionService.get).
  const owned = (request: FastifyRequest) =>
    ctx.permissions.get(sessionUserOf(request), permissionIdOf(request.params));

  app.get("/api/permissions/:permissionId/data-flow", async (request) => {
    const { permissionId } = await owned(request);
    const flow = await ctx.sharingFlow.dataFlow(permissionId);
    const status = flow.lastSent.find((message) => message.channel === "status");
    return {
      permissionId,
      phase: flow.phase,
      brokerConnected: flow.brokerConnected,
      transmissionEnabled: flow.transmissionEnabled,
      transmissionSchedule: flow.transmissionSchedule,
      outbox: {
        dataMessages: flow.dataMessages,
        statusMessages: flow.statusMessages,
        maxDataMessages: flow.maxDataMessages,
        oldestWaitingSince: instant(flow.oldestWaitingSince),
        droppedOldest: flow.droppedOldest,
        discardedAtEnd: flow.discardedAtEnd,
      },
      finalStatus: flow.finalStatus,
      lastSent: flow.lastSent
        .filter((message) => message !== status)
        .map((message) => ({ schema: message.channel, ...sent(message) })),
      lastStatusMessage: status === undefined ? null : sent(status),
    };
  });

  app.get("/api/permissions/:permissionId/consent-record", async (request, reply) => {
    const permission = await owned(request);
    const { permissionId } = permission;
    const format = (request.query as { format?: unknown }).format ?? "json";
    if (format !== "json" && format !== "csv") {
      throw new HubError("VALIDATION_FAILED", "The consent record comes as json or csv.", [
        { path: "format", reason: `expected "json" or "csv", got ${JSON.stringify(format)}` },
      ]);
    }
    const values = (await ctx.sharingFlow.sentValues(permissionId)).map((count) => {
      const obis = obisByCode(count.obisCode);
      return {
        schema: count.schema,
        obisCode: count.obisCode,
        name: obis?.name ?? null,
        unit: obis?.unit ?? null,
        values: count.values,
        firstSentAt: instant(count.firstSentAt),
        lastSentAt: instant(count.lastSentAt),
      };
    });
    const record = {
      permissionId,
      status: permission.status,
      ...(permission.dataNeed !== null && { serviceName: permission.dataNeed.name }),
      grantTime: instant(permission.grantTime),
      revokeTime: instant(permission.revokeTime),
      values,
    };
    if (format === "json") return record;
    const rows = values.map((v) =>
      csvRow([
        permissionId,
        v.schema,
        v.obisCode,
        v.name,
        v.unit,
        String(v.values),
        v.firstSentAt,
        v.lastSentAt,
        record.grantTime,
        record.revokeTime,
      ]),
    );
    return reply
      .type(CSV_CONTENT_TYPE)
      .header("content-disposition", `attachment; filename="consent-record-${permissionId}.csv"`)
      .send(csvRow(CSV_COLUMNS) + rows.join(""));
  });
}
