import type { PermissionStatus } from "../domain/permission-status.ts";

/** The statuses AIIDA reports to EDDIE on the status topic. */
export const STATUS_MESSAGE_STATUSES = ["REVOKED", "FULFILLED", "EXTERNALLY_TERMINATED"] as const;
export type StatusMessageStatus = (typeof STATUS_MESSAGE_STATUSES)[number];

/** AIIDA's AiidaConnectionStatusMessageDto, published retained with QoS 1 to the permission's status topic. */
export interface StatusMessageJson {
  readonly connectionId: string;
  readonly dataNeedId: string;
  /** ISO-8601 UTC instant. */
  readonly timestamp: string;
  readonly status: StatusMessageStatus;
  readonly permissionId: string;
  readonly eddieId: string;
}

/** The ids a status message names. */
export interface StatusMessagePermission {
  readonly connectionId: string;
  readonly dataNeedId: string;
  readonly permissionId: string;
  readonly eddieId: string;
}

/** The status message for a permission at `now` (epoch ms). */
export function buildStatusMessage(
  permission: StatusMessagePermission,
  status: StatusMessageStatus,
  now: number,
): StatusMessageJson {
  return {
    connectionId: permission.connectionId,
    dataNeedId: permission.dataNeedId,
    timestamp: new Date(now).toISOString(),
    status,
    permissionId: permission.permissionId,
    eddieId: permission.eddieId,
  };
}

const MESSAGE_FOR: Partial<Record<PermissionStatus, StatusMessageStatus>> = {
  REVOKED: "REVOKED",
  FULFILLED: "FULFILLED",
  TERMINATED: "EXTERNALLY_TERMINATED",
};

/** The status EDDIE must be told when a permission reaches `status`; undefined when EDDIE is told nothing. */
export function statusMessageFor(status: PermissionStatus): StatusMessageStatus | undefined {
  return MESSAGE_FOR[status];
}
