import type { GrantedPermission, PermissionStreaming } from "../../src/sharing/sharing-ports.ts";
import type { StatusMessageStatus } from "../../src/sharing/status-message.ts";

/**
 * The streaming side's stand-in for tests of the permission side: streams nothing, records every call.
 * `failFinish` makes that many finish() calls fail first (as when the outbox cannot be written).
 */
export class RecordingStreaming implements PermissionStreaming {
  readonly started: GrantedPermission[] = [];
  readonly finished: Array<{ readonly permission: GrantedPermission; readonly status: StatusMessageStatus }> =
    [];
  readonly transmission: Array<{ readonly permissionId: string; readonly enabled: boolean }> = [];
  readonly schedules: Array<{ readonly permissionId: string; readonly schedule: string }> = [];
  failFinish = 0;
  closed = false;

  start(permission: GrantedPermission): void {
    this.started.push(permission);
  }

  async finish(permission: GrantedPermission, status: StatusMessageStatus): Promise<void> {
    if (this.failFinish > 0) {
      this.failFinish -= 1;
      throw new Error("the outbox cannot be written (test)");
    }
    this.finished.push({ permission, status });
  }

  setTransmissionEnabled(permissionId: string, enabled: boolean): void {
    this.transmission.push({ permissionId, enabled });
  }

  setTransmissionSchedule(permissionId: string, schedule: string): void {
    this.schedules.push({ permissionId, schedule });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  startedOf(permissionId: string): GrantedPermission[] {
    return this.started.filter((p) => p.permissionId === permissionId);
  }

  finishedOf(permissionId: string): StatusMessageStatus[] {
    return this.finished.filter((f) => f.permission.permissionId === permissionId).map((f) => f.status);
  }
}
