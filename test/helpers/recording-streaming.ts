import type { PermissionDataFlow, SentValueCount } from "../../src/domain/sharing-flow.ts";
import type { GrantedPermission, PermissionStreaming } from "../../src/sharing/sharing-ports.ts";
import type { StatusMessageStatus } from "../../src/sharing/status-message.ts";

/**
 * The streaming side's stand-in for tests of the permission side: streams nothing, records every call.
 * `failFinish` makes that many finish() calls fail first (as when the outbox cannot be written). Its
 * data flow says only what the calls imply: streaming after start(), finished after finish(), nothing sent.
 */
export class RecordingStreaming implements PermissionStreaming {
  readonly started: GrantedPermission[] = [];
  readonly finished: Array<{ readonly permission: GrantedPermission; readonly status: StatusMessageStatus }> =
    [];
  readonly transmission: Array<{ readonly permissionId: string; readonly enabled: boolean }> = [];
  readonly schedules: Array<{ readonly permissionId: string; readonly schedule: string }> = [];
  /** The lookups resumeFinishing() was given (one per hub start). */
  readonly resumeLookups: Array<(permissionId: string) => Promise<GrantedPermission | undefined>> = [];
  failFinish = 0;
  closed = false;

  async start(permission: GrantedPermission): Promise<void> {
    this.started.push(permission);
  }

  async resumeFinishing(
    lookup: (permissionId: string) => Promise<GrantedPermission | undefined>,
  ): Promise<void> {
    this.resumeLookups.push(lookup);
  }

  async finishedElsewhere(): Promise<void> {}

  async letGo(): Promise<void> {}

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

  async dataFlow(permissionId: string): Promise<PermissionDataFlow> {
    const finalStatus = this.finishedOf(permissionId).at(-1) ?? null;
    const started = this.startedOf(permissionId).length > 0;
    return {
      permissionId,
      phase: finalStatus !== null ? "finished" : started ? "streaming" : "idle",
      brokerConnected: false,
      transmissionEnabled: null,
      transmissionSchedule: null,
      maxDataMessages: null,
      dataMessages: 0,
      statusMessages: 0,
      oldestWaitingSince: null,
      droppedOldest: 0,
      discardedAtEnd: 0,
      finalStatus,
      lastSent: [],
    };
  }

  async sentValues(_permissionId: string): Promise<readonly SentValueCount[]> {
    return [];
  }

  startedOf(permissionId: string): GrantedPermission[] {
    return this.started.filter((p) => p.permissionId === permissionId);
  }

  finishedOf(permissionId: string): StatusMessageStatus[] {
    return this.finished.filter((f) => f.permission.permissionId === permissionId).map((f) => f.status);
  }
}
