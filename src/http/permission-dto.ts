import { unsupportedSchemas } from "../domain/data-need.ts";
import type { DataSource } from "../domain/data-source.ts";
import { statusGroup } from "../domain/permission-status.ts";
import type { StoredPermission } from "../storage/ports.ts";

/** Epoch ms as an ISO-8601 instant; null stays null. */
export function instant(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * A permission as the API returns it: AIIDA's Permission JSON field names (times as ISO-8601 instants;
 * absent values as null), plus what a user needs to see why it is where it is. Never the access token or
 * the broker password: the stored permission does not hold them.
 */
export function permissionDto(permission: StoredPermission, liveSource: DataSource | undefined) {
  const need = permission.dataNeed;
  const shared = liveSource ?? permission.dataSource;
  return {
    permissionId: permission.permissionId,
    eddieId: permission.eddieId,
    status: permission.status,
    statusGroup: statusGroup(permission.status),
    serviceName: need?.name ?? null,
    startTime: instant(permission.startTime),
    expirationTime: instant(permission.expirationTime),
    grantTime: instant(permission.grantTime),
    revokeTime: instant(permission.revokeTime),
    connectionId: permission.connectionId,
    meterId: permission.meterId,
    owner: permission.owner,
    dataNeed:
      need === null
        ? null
        : {
            dataNeedId: need.id,
            type: need.type,
            name: need.name,
            description: need.description,
            purpose: need.purpose,
            policyLink: need.policyLink,
            transmissionSchedule: need.transmissionSchedule,
            acknowledgementRequired: need.acknowledgementRequired,
            allowedPermissionCommands: need.allowedPermissionCommands,
            schemas: need.schemas,
            asset: need.asset,
            dataTags: need.dataTags,
            contexts: need.contexts ?? null,
          },
    unsupportedSchemas: need === null ? [] : unsupportedSchemas(need),
    dataSourceId: permission.dataSourceId,
    dataSource:
      shared === null || shared === undefined
        ? null
        : {
            id: shared.id,
            name: liveSource?.name ?? null,
            asset: shared.asset,
            countryCode: shared.countryCode,
            meterId: shared.meterId,
            operatorId: shared.operatorId,
            deleted: liveSource === undefined,
          },
    mqttStreamingConfig:
      permission.broker === null
        ? null
        : { serverUri: permission.broker.serverUri, dataTopic: permission.broker.dataTopic },
    transmissionEnabled: permission.transmissionEnabled,
    transmissionSchedule: permission.transmissionSchedule,
    effectiveTransmissionSchedule: permission.transmissionSchedule ?? need?.transmissionSchedule ?? null,
    statusReason: permission.statusReason,
    problems: permission.problems,
    pendingStep:
      permission.step === null
        ? null
        : {
            step: permission.step.name,
            attempts: permission.step.attempts,
            nextAttemptAt: instant(permission.step.nextAttemptAt),
          },
    lastError: permission.lastError,
    addedAt: instant(permission.addedAt),
    updatedAt: instant(permission.updatedAt),
  };
}
