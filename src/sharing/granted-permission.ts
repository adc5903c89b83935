import type { DataSource } from "../domain/data-source.ts";
import { sharedDataSource } from "../domain/outbound-record.ts";
import type { BrokerCredentials, StoredPermission } from "../storage/ports.ts";
import type { GrantedPermission } from "./sharing-ports.ts";

/**
 * What the streaming side gets for a permission that has EDDIE's broker credentials: the data source as
 * it is now (as it was at acceptance when it has been deleted since), the effective schedule, the
 * password in memory. Undefined, with the reason, when something it needs is not there.
 */
export function grantedPermission(
  permission: StoredPermission,
  credentials: BrokerCredentials | undefined,
  liveSource: DataSource | undefined,
  aiidaId: string,
): { granted: GrantedPermission } | { missing: string } {
  const { dataNeed, connectionId, dataNeedId, startTime, expirationTime } = permission;
  if (credentials === undefined) return { missing: "EDDIE's broker credentials are not stored" };
  if (
    dataNeed === null ||
    connectionId === null ||
    dataNeedId === null ||
    startTime === null ||
    expirationTime === null
  ) {
    return { missing: "the details from EDDIE are not stored" };
  }
  const dataSource = liveSource === undefined ? permission.dataSource : sharedDataSource(liveSource);
  if (dataSource === null) return { missing: "no data source was chosen" };
  return {
    granted: {
      permissionId: permission.permissionId,
      eddieId: permission.eddieId,
      connectionId,
      dataNeedId,
      aiidaId,
      dataNeed,
      dataSource,
      credentials,
      startTime,
      expirationTime,
      transmissionEnabled: permission.transmissionEnabled,
      transmissionSchedule: permission.transmissionSchedule ?? dataNeed.transmissionSchedule,
    },
  };
}
