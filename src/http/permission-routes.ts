import type { FastifyInstance } from "fastify";
import { isJsonObject, jsonTypeOf, ownField } from "../cim/json-value.ts";
import { HubError, type ProblemDetail } from "../domain/hub-error.ts";
import { type AiidaCode, decodeAiidaCode } from "../sharing/aiida-code.ts";
import type { StoredPermission } from "../storage/ports.ts";
import { sessionUserOf } from "./auth-routes.ts";
import type { HttpContext } from "./http-context.ts";
import { permissionDto } from "./permission-dto.ts";
import { permissionDecisionBody, permissionsQuery } from "./schemas.ts";
import { CA_CERTIFICATE_PATH } from "./tls-routes.ts";
import { uuidParam } from "./uuid-param.ts";
import { validate } from "./validate.ts";

/** The permission id from the path; an id that cannot exist is simply not found. */
export function permissionIdOf(params: unknown): string {
  return uuidParam(params, "permissionId", "permission");
}

/**
 * The body of POST /api/permissions: `{"aiidaCode": "<base64>"}` (the code as EDDIE shows it), or the
 * decoded code itself (`{eddieId, permissionIds, handshakeUrl, accessToken}`), as AIIDA's UI sends it.
 */
export function readAiidaCodeBody(body: unknown): AiidaCode {
  let problems: readonly ProblemDetail[];
  if (isJsonObject(body) && Object.hasOwn(body, "aiidaCode")) {
    const text = ownField(body, "aiidaCode");
    const unknown = Object.keys(body)
      .filter((key) => key !== "aiidaCode")
      .map((key) => ({
        path: `$.${key}`,
        reason: "unknown field: send aiidaCode alone, or the decoded code",
      }));
    if (typeof text !== "string") {
      problems = [
        { path: "$.aiidaCode", reason: `expected the AIIDA code as text (base64), got ${jsonTypeOf(text)}` },
        ...unknown,
      ];
    } else {
      const decoded = decodeAiidaCode(text);
      if (decoded.ok && unknown.length === 0) return decoded.value;
      problems = [...(decoded.ok ? [] : decoded.problems), ...unknown];
    }
  } else {
    const decoded = decodeAiidaCode(body);
    if (decoded.ok) return decoded.value;
    problems = decoded.problems;
  }
  throw new HubError(
    "VALIDATION_FAILED",
    `The AIIDA code is not valid: ${problems.length} problem(s); paths are those of the decoded code.`,
    problems,
  );
}

/** The instance id, and the permissions: add from an AIIDA code, list, read, decide, delete. */
export function registerPermissionRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const dto = async (permission: StoredPermission) =>
    permissionDto(
      permission,
      permission.dataSourceId === null ? undefined : await ctx.dataSourceStore.get(permission.dataSourceId),
    );
  const dtos = async (permissions: readonly StoredPermission[]) => {
    const answers = [];
    for (const permission of permissions) answers.push(await dto(permission));
    return answers;
  };

  app.get("/api/application-information", async () => {
    const tls = ctx.tls();
    return {
      aiidaId: ctx.permissions.aiidaId,
      // The web UI learns here whether devices need the hub's CA certificate for MQTTS.
      tls: {
        enabled: tls.mode !== "off",
        caCertificateUrl: tls.mode === "private-ca" ? CA_CERTIFICATE_PATH : null,
      },
    };
  });

  app.post("/api/permissions", async (request, reply) => {
    const code = readAiidaCodeBody(request.body);
    const added = await ctx.permissions.add(sessionUserOf(request), code);
    reply.header("cache-control", "no-store");
    return reply.status(201).send(await dtos(added));
  });

  app.get("/api/permissions", async (request) => {
    const query = validate(permissionsQuery, request.query, "permission filter");
    return dtos(await ctx.permissions.list(sessionUserOf(request), query.status));
  });

  app.get("/api/permissions/:permissionId", async (request) =>
    dto(await ctx.permissions.get(sessionUserOf(request), permissionIdOf(request.params))),
  );

  app.patch("/api/permissions/:permissionId", async (request) => {
    const id = permissionIdOf(request.params);
    const owner = sessionUserOf(request);
    await ctx.permissions.get(owner, id); // an unknown id is a 404 before the body is judged
    const body = validate(permissionDecisionBody, request.body, "permission decision");
    switch (body.operation) {
      case "ACCEPT":
        return dto(await ctx.permissions.accept(owner, id, body.dataSourceId));
      case "REJECT":
        return dto(await ctx.permissions.reject(owner, id));
      case "REVOKE":
        return dto(await ctx.permissions.revoke(owner, id));
    }
  });

  app.delete("/api/permissions/:permissionId", async (request, reply) => {
    await ctx.permissions.remove(sessionUserOf(request), permissionIdOf(request.params));
    return reply.status(204).send();
  });
}
