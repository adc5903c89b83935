import { parseCommandTopic } from "../../domain/sharing-topics.ts";
import type { Logger } from "../../platform/logger.ts";
import { authorizeCommand } from "../authorize-command.ts";
import { parsePermissionCommand } from "../permission-command.ts";
import type { AuthorisedCommandHandler, GrantedPermission } from "../sharing-ports.ts";

/** Longest part of a refused payload that goes into the log. */
const LOGGED_PAYLOAD_CHARS = 500;

/**
 * A message that arrived on a permission's command subscription: read, checked against the permission
 * of this connection (never the payload's word alone), and handed to the permission side if it passes.
 * Nothing here throws: a bad command is logged and ignored; resolves once the handler is done.
 */
export async function takeCommand(
  permission: GrantedPermission,
  topic: string,
  payload: Buffer,
  handler: AuthorisedCommandHandler,
  logger: Logger,
): Promise<void> {
  const fields = { permission: permission.permissionId, topic };
  const onTopic = parseCommandTopic(topic);
  if (onTopic === undefined || onTopic.permissionId !== permission.permissionId) {
    logger.warn("command refused: not on this permission's command topic", fields);
    return;
  }
  const parsed = parsePermissionCommand(payload);
  if (!parsed.ok) {
    logger.warn("command ignored: not a command this hub can read", {
      ...fields,
      problems: parsed.problems,
      payload: payload.toString("utf8").slice(0, LOGGED_PAYLOAD_CHARS),
    });
    return;
  }
  const decision = authorizeCommand(parsed.value, {
    topicPermissionId: permission.permissionId,
    allowedPermissionCommands: permission.dataNeed.allowedPermissionCommands,
    dataNeedSchedule: permission.dataNeed.transmissionSchedule,
  });
  if (!decision.ok) {
    logger.warn("command refused", { ...fields, action: parsed.value.action, reason: decision.reason });
    return;
  }
  logger.info("command received", { ...fields, action: parsed.value.action });
  try {
    await handler(permission.permissionId, parsed.value);
  } catch (error) {
    logger.error("command could not be carried out", {
      ...fields,
      action: parsed.value.action,
      error: String(error),
    });
  }
}
