import { parseSchedule, shortestIntervalSeconds } from "../platform/schedule.ts";
import type { PermissionCommand } from "./permission-command.ts";

/** What a command is checked against: where it arrived and what the permission's data need allows. */
export interface CommandAuthority {
  /** The permission id of the topic the command arrived on (see parseCommandTopic). */
  readonly topicPermissionId: string;
  /** The data need's allowedPermissionCommands. */
  readonly allowedPermissionCommands: readonly string[];
  /** The data need's own transmissionSchedule: no command may make the permission send more often. */
  readonly dataNeedSchedule: string;
}

export type CommandDecision = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Whether to carry out a command. Refused: a command for another permission than its topic's (AIIDA
 * trusts the payload, so one EP could stop another's permission); SET_/UPDATE_ commands the data need
 * does not grant; a schedule that fires more often than the data need's. TERMINATE needs no grant.
 * "More often" compares the shortest time between two consecutive firings of each schedule (in UTC, see
 * shortestIntervalSeconds): a schedule whose closest firings are closer than the data need's could send
 * faster at some moment.
 */
export function authorizeCommand(command: PermissionCommand, authority: CommandAuthority): CommandDecision {
  if (command.permissionId !== authority.topicPermissionId) {
    return {
      ok: false,
      reason: `the command is for permission ${command.permissionId} but arrived on the topic of ${authority.topicPermissionId}`,
    };
  }
  if (command.action === "TERMINATE") return { ok: true };
  if (!authority.allowedPermissionCommands.includes(command.action)) {
    return { ok: false, reason: `the data need does not allow ${command.action}` };
  }
  if (command.action === "SET_TRANSMISSION_ENABLED") return { ok: true };
  return checkNotFaster(command.transmissionSchedule, authority.dataNeedSchedule);
}

function checkNotFaster(requested: string, dataNeedSchedule: string): CommandDecision {
  const wanted = parseSchedule(requested);
  if (!wanted.ok) return { ok: false, reason: `the schedule is not valid: ${wanted.reason}` };
  const own = parseSchedule(dataNeedSchedule);
  if (!own.ok) return { ok: false, reason: `the data need's own schedule is not valid: ${own.reason}` };
  const wantedInterval = shortestIntervalSeconds(wanted.schedule);
  // A schedule that never fires sends nothing: never faster than anything.
  if (wantedInterval === undefined) return { ok: true };
  const ownInterval = shortestIntervalSeconds(own.schedule);
  if (ownInterval === undefined || wantedInterval < ownInterval) {
    const limit =
      ownInterval === undefined ? "never fires" : `fires at most every ${describeSeconds(ownInterval)}`;
    return {
      ok: false,
      reason: `${JSON.stringify(requested)} fires as often as every ${describeSeconds(wantedInterval)}; the data need's ${JSON.stringify(dataNeedSchedule)} ${limit}`,
    };
  }
  return { ok: true };
}

/** Seconds in the largest unit that divides them: "5 s", "15 min", "2 h", "7 d". */
export function describeSeconds(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
