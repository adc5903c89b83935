import { isJsonObject, jsonTypeOf, ownField } from "../cim/json-value.ts";
import type { ProblemDetail } from "../domain/hub-error.ts";
import { parseSchedule } from "../platform/schedule.ts";
import { type Checked, checked } from "./checked.ts";
import { type FieldSource, optionalText, requiredText, requiredUuid } from "./json-fields.ts";

/** The commands this hub understands. */
export const PERMISSION_COMMAND_ACTIONS = [
  "TERMINATE",
  "SET_TRANSMISSION_ENABLED",
  "UPDATE_TRANSMISSION_SCHEDULE",
] as const;
export type PermissionCommandAction = (typeof PERMISSION_COMMAND_ACTIONS)[number];

interface CommandBase {
  readonly permissionId: string;
  /** "aiida" when EDDIE sends it; not required. */
  readonly regionConnectorId: string | undefined;
}

/** A command EDDIE published to `aiida/v1/<permission id>/command/<ACTION>`. */
export type PermissionCommand =
  | (CommandBase & { readonly action: "TERMINATE" })
  | (CommandBase & { readonly action: "SET_TRANSMISSION_ENABLED"; readonly enabled: boolean })
  | (CommandBase & {
      readonly action: "UPDATE_TRANSMISSION_SCHEDULE";
      readonly transmissionSchedule: string;
    });

/**
 * Reads a command message (UTF-8 JSON). Fields a command does not use are ignored, so that EDDIE may add
 * some (AIIDA refuses any unknown field); every problem is reported with its JSON path.
 */
export function parsePermissionCommand(payload: string | Uint8Array): Checked<PermissionCommand> {
  let text: string;
  try {
    text = typeof payload === "string" ? payload : new TextDecoder("utf-8", { fatal: true }).decode(payload);
  } catch {
    return refuse("$", "not UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return refuse("$", `not JSON: ${(error as Error).message}`);
  }
  if (!isJsonObject(value)) return refuse("$", `expected a JSON object, got ${jsonTypeOf(value)}`);
  const problems: ProblemDetail[] = [];
  const source: FieldSource = { object: value, path: "$", problems };
  const action = readAction(source);
  const permissionId = requiredUuid(source, "permissionId");
  const regionConnectorId = optionalText(source, "regionConnectorId", undefined);
  const base = { permissionId: permissionId ?? "", regionConnectorId };
  switch (action) {
    case "TERMINATE":
      return checked(problems, () => ({ ...base, action }));
    case "SET_TRANSMISSION_ENABLED": {
      const enabled = ownField(value, "enabled");
      if (typeof enabled !== "boolean") {
        problems.push({
          path: "$.enabled",
          reason:
            enabled === undefined || enabled === null
              ? "missing"
              : `expected true or false, got ${jsonTypeOf(enabled)}`,
        });
      }
      return checked(problems, () => ({ ...base, action, enabled: enabled === true }));
    }
    case "UPDATE_TRANSMISSION_SCHEDULE": {
      const schedule = requiredText(source, "transmissionSchedule");
      const parsed = schedule === undefined ? undefined : parseSchedule(schedule);
      if (parsed !== undefined && !parsed.ok) {
        problems.push({
          path: "$.transmissionSchedule",
          reason: `not a Spring cron expression with 6 fields: ${parsed.reason}`,
        });
      }
      return checked(problems, () => ({ ...base, action, transmissionSchedule: schedule ?? "" }));
    }
    case undefined:
      return { ok: false, problems };
  }
}

function refuse(path: string, reason: string): Checked<PermissionCommand> {
  return { ok: false, problems: [{ path, reason }] };
}

function readAction(source: FieldSource): PermissionCommandAction | undefined {
  const action = requiredText(source, "action");
  if (action === undefined) return undefined;
  if ((PERMISSION_COMMAND_ACTIONS as readonly string[]).includes(action))
    return action as PermissionCommandAction;
  source.problems.push({
    path: "$.action",
    reason: `${JSON.stringify(action)} is not a command this hub knows (${PERMISSION_COMMAND_ACTIONS.join(", ")})`,
  });
  return undefined;
}
