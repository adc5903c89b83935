import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { HubError, type HubErrorCode } from "../domain/hub-error.ts";
import type { Logger } from "../platform/logger.ts";

const STATUS: Record<HubErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/** The one place where failures become HTTP responses: `{ "error": { code, message, details? } }`. */
export function errorHandler(logger: Logger) {
  return (err: FastifyError | HubError, request: FastifyRequest, reply: FastifyReply) => {
    const hubError = toHubError(err);
    const status = STATUS[hubError.code];
    if (status >= 500) logger.error("request failed", { url: request.url, error: String(err) });
    const body: Record<string, unknown> = { code: hubError.code, message: hubError.message };
    if (hubError.details) body.details = hubError.details;
    return reply.status(status).send({ error: body });
  };
}

function toHubError(err: FastifyError | HubError): HubError {
  if (err instanceof HubError) return err;
  if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE")
    return new HubError("PAYLOAD_TOO_LARGE", "The request body is too large.");
  if (err.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
    return new HubError("VALIDATION_FAILED", "The request body is empty; send a JSON object.", [
      { path: "$", reason: "empty body" },
    ]);
  }
  if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return new HubError("VALIDATION_FAILED", "Send the request body as application/json.", [
      { path: "$", reason: "unsupported content type" },
    ]);
  }
  if (err.statusCode === 400) {
    return new HubError("VALIDATION_FAILED", `The request body is not valid JSON: ${err.message}`, [
      { path: "$", reason: err.message },
    ]);
  }
  if (err.statusCode === 404) return new HubError("NOT_FOUND", err.message);
  return new HubError("INTERNAL", "Something went wrong inside the hub; the log has the details.");
}
