import { HubError, type ProblemDetail } from "../domain/hub-error.ts";
import { sharedDataSource } from "../domain/outbound-record.ts";
import {
  isFinal,
  nextStatus,
  type PermissionEvent,
  type PermissionStatus,
  type PermissionStatusGroup,
  PermissionTransitionError,
  statusesInGroup,
} from "../domain/permission-status.ts";
import { AlarmClock } from "../platform/alarm-clock.ts";
import type { Logger } from "../platform/logger.ts";
import type {
  DataSourceStore,
  PermissionChange,
  PermissionStep,
  PermissionStore,
  StoredPermission,
} from "../storage/ports.ts";
import { type AiidaCode, expandHandshakeUrl } from "./aiida-code.ts";
import { grantedPermission } from "./granted-permission.ts";
import type { Handshake, HandshakeAnswer, HandshakeOperation } from "./handshake-client.ts";
import { readMqttCredentials } from "./mqtt-credentials.ts";
import type { PermissionCommand } from "./permission-command.ts";
import { type PermissionTerms, readPermissionDetails } from "./permission-details.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs } from "./retry-policy.ts";
import {
  ALONE,
  type AuthorisedCommandHandler,
  type GrantedPermission,
  type PermissionPlacement,
  type PermissionStreaming,
} from "./sharing-ports.ts";
import { statusMessageFor } from "./status-message.ts";
import { StepLoop } from "./step-loop.ts";

/** What the permission service works with. */
export interface PermissionServiceDeps {
  readonly permissions: PermissionStore;
  readonly dataSources: Pick<DataSourceStore, "get">;
  readonly handshake: Handshake;
  readonly streaming: PermissionStreaming;
  /** This hub's AIIDA id. */
  readonly aiidaId: string;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly retry?: RetryPolicy;
  /** Where a permission's timers and streaming run when several hub instances share the database. */
  readonly placement?: PermissionPlacement;
  /** How often pending steps are looked for at least: another instance may add some, or die running one. */
  readonly lookForStepsEveryMs?: number;
}

/**
 * A step is taken (claimed in the database) for this long while it runs, longer than any step takes
 * (the handshake timeout is 10 s): an instance that dies meanwhile leaves it to another after this.
 */
const STEP_CLAIM_MS = 60_000;

/** Statuses a user may delete a permission in: nothing was granted, and EDDIE's request runs out on its own. */
export const DELETABLE_STATUSES: readonly PermissionStatus[] = ["CREATED", "FETCHED_DETAILS"];

/** Statuses that wait on a time (the end, or the start): resumed at every start. */
const TIMED_STATUSES: readonly PermissionStatus[] = [
  "FETCHED_DETAILS",
  "ACCEPTED",
  "FETCHED_MQTT_CREDENTIALS",
  "WAITING_FOR_START",
  "STREAMING_DATA",
];

/** Statuses in which a permission shares (or is about to share) a data source. */
const SHARING_STATUSES: readonly PermissionStatus[] = [
  "ACCEPTED",
  "FETCHED_MQTT_CREDENTIALS",
  "WAITING_FOR_START",
  "STREAMING_DATA",
];

/**
 * The permission side of sharing: adds permissions from an AIIDA code, talks to EDDIE's handshake,
 * carries out the user's decisions and EDDIE's commands, and moves each permission through its statuses
 * (domain/permission-status.ts) on time. Every status change is persisted; every step that must reach
 * EDDIE (or the streaming side) is persisted as the permission's pending step and retried with back-off
 * until it succeeds or EDDIE's answer makes it final, also across restarts.
 */
export class PermissionService {
  private readonly store: PermissionStore;
  private readonly now: () => number;
  private readonly retry: RetryPolicy;
  private readonly alarms: AlarmClock;
  private readonly loop: StepLoop;
  /** Aborts the handshake calls in flight when the hub stops. */
  private readonly stopping = new AbortController();
  private stopped = false;
  /** Steps in flight that call EDDIE: stop() waits for them. */
  private readonly handshakes = new Set<Promise<void>>();
  /** Steps this instance claimed and runs: given back at stop if their outcome was not recorded. */
  private readonly claims = new Map<string, { step: PermissionStep; until: number }>();
  private readonly placement: PermissionPlacement;

  constructor(private readonly deps: PermissionServiceDeps) {
    this.store = deps.permissions;
    this.now = deps.now ?? Date.now;
    this.retry = deps.retry ?? DEFAULT_RETRY_POLICY;
    this.alarms = new AlarmClock(this.now);
    this.placement = deps.placement ?? ALONE;
    this.loop = new StepLoop(
      this.store,
      (id) => this.runStep(id),
      this.now,
      deps.logger,
      undefined,
      deps.lookForStepsEveryMs,
    );
  }

  /** This hub's AIIDA id. */
  get aiidaId(): string {
    return this.deps.aiidaId;
  }

  /**
   * Resumes the permissions this instance looks after (at start, or when it takes over some from another
   * instance; only those `belonging` if given) where they were: timed statuses are re-armed or advanced,
   * streaming ones streamed again; due steps run.
   */
  async resume(belonging: (permissionId: string) => boolean = () => true): Promise<void> {
    for (const permission of await this.store.list({ statuses: TIMED_STATUSES })) {
      const id = permission.permissionId;
      if (!belonging(id) || !this.placement.owns(id)) continue;
      await this.guarded(id, () => this.advance(id, true));
    }
    this.loop.wake();
  }

  /** Another instance looks after these permissions from now on: their timers stop here. */
  letGo(belonging: (permissionId: string) => boolean): void {
    this.alarms.clearWhere(belonging);
  }

  /** Another instance changed the permission: looks at it again (its timers, its streaming). Never rejects. */
  async look(permissionId: string): Promise<void> {
    await this.guarded(permissionId, () => this.advance(permissionId, true));
    this.loop.wake();
  }

  /**
   * Stops the loop and the alarms, aborts the handshake calls in flight but a PATCH ACCEPT, and waits for
   * them to settle: EDDIE's answer to an ACCEPT (the credentials) is stored even now, within the handshake
   * timeout. What was not finished resumes at the next start. finish() calls in flight are not waited
   * for: the streaming side closes them.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.loop.stop();
    this.alarms.stop();
    this.stopping.abort();
    await Promise.allSettled(this.handshakes);
    // What did not run to its outcome is due again at once, for the next start or another instance.
    for (const [id, claim] of this.claims) {
      await this.store.releaseStep(id, claim.step, claim.until, this.now()).catch((error: unknown) =>
        this.deps.logger.warn("a permission step could not be given back; it is tried again later", {
          permissionId: id,
          error: errorText(error),
        }),
      );
    }
  }

  /**
   * Adds the permissions of an AIIDA code (all or none), each CREATED with its pending GET of the details,
   * then tries that GET once for each before answering: what failed is retried in the background.
   */
  async add(owner: string, code: AiidaCode): Promise<StoredPermission[]> {
    const present = await this.store.existing(code.permissionIds);
    if (present.length > 0) {
      throw new HubError(
        "CONFLICT",
        `The AIIDA code names ${present.length === 1 ? "a permission" : "permissions"} already added: ${present.join(", ")}.`,
        present.map((id) => ({
          path: `$.permissionIds[${code.permissionIds.indexOf(id)}]`,
          reason: "already added",
        })),
      );
    }
    const now = this.now();
    await this.store.add(
      code.permissionIds.map((permissionId) => ({
        permissionId,
        owner,
        eddieId: code.eddieId,
        handshakeUrl: expandHandshakeUrl(code.handshakeUrl, permissionId),
        accessToken: code.accessToken,
        addedAt: now,
        step: { name: "FETCH_DETAILS", attempts: 0, nextAttemptAt: now },
      })),
    );
    this.deps.logger.info("permissions added", { permissionIds: code.permissionIds, eddieId: code.eddieId });
    await Promise.all(code.permissionIds.map((id) => this.loop.runNow(id)));
    const added: StoredPermission[] = [];
    for (const id of code.permissionIds) {
      const permission = await this.store.get(id);
      if (permission !== undefined) added.push(permission);
    }
    return added;
  }

  /** The owner's permissions, newest first; only those of one group (active, pending, complete) if given. */
  async list(owner: string, group?: PermissionStatusGroup): Promise<StoredPermission[]> {
    return await this.store.list({ owner, ...(group !== undefined && { statuses: statusesInGroup(group) }) });
  }

  /** One of the owner's permissions; NOT_FOUND for another owner's, as for one that does not exist. */
  async get(owner: string, permissionId: string): Promise<StoredPermission> {
    const permission = await this.store.get(permissionId);
    if (permission === undefined || permission.owner !== owner) {
      throw new HubError("NOT_FOUND", `No permission with id ${permissionId}.`);
    }
    return permission;
  }

  /**
   * The user grants the permission on one of their data sources whose asset is the data need's. It is
   * ACCEPTED at once; then EDDIE is told (PATCH ACCEPT, retried until it answers) and its broker
   * credentials are stored with the status that says they came.
   */
  async accept(owner: string, permissionId: string, dataSourceId: string): Promise<StoredPermission> {
    await this.get(owner, permissionId);
    // A pending permission whose last day has passed becomes UNFULFILLABLE here rather than granted.
    await this.advance(permissionId, false);
    const permission = await this.get(owner, permissionId);
    nextStatus(permission.status, "userAccepted");
    const need = permission.dataNeed;
    if (need === null) throw new Error(`permission ${permissionId} is FETCHED_DETAILS without a data need`);
    const source = await this.deps.dataSources.get(dataSourceId);
    if (source === undefined || source.owner !== owner) {
      throw refused("dataSourceId", `no data source with id ${dataSourceId}`);
    }
    if (source.asset !== need.asset) {
      throw refused(
        "dataSourceId",
        `the data source "${source.name}" measures a ${source.asset}, but the data need asks for a ${need.asset}: it would share nothing`,
      );
    }
    const now = this.now();
    await this.transition(permission, "userAccepted", {
      grantTime: now,
      dataSourceId,
      dataSource: sharedDataSource(source),
      step: { name: "PATCH_ACCEPT", attempts: 0, nextAttemptAt: now },
      lastError: null,
    });
    await this.guarded(permissionId, () => this.advance(permissionId, false));
    await this.loop.runNow(permissionId);
    return await this.get(owner, permissionId);
  }

  /** The user declines before granting: REJECTED at once, and EDDIE is told (PATCH REJECT, retried). */
  async reject(owner: string, permissionId: string): Promise<StoredPermission> {
    const permission = await this.get(owner, permissionId);
    const now = this.now();
    await this.transition(permission, "userRejected", {
      revokeTime: now,
      step: { name: "PATCH_REJECT", attempts: 0, nextAttemptAt: now },
      lastError: null,
    });
    this.alarms.clear(permissionId);
    await this.loop.runNow(permissionId);
    return await this.get(owner, permissionId);
  }

  /**
   * A permission as the streaming side sees it, whoever owns it (to resume delivering the outbox of an
   * ending permission after a restart); undefined when it is unknown or was never granted.
   */
  async grantedById(permissionId: string): Promise<GrantedPermission | undefined> {
    const permission = await this.store.get(permissionId);
    if (permission === undefined) return undefined;
    const built = await this.granted(permission);
    return "granted" in built ? built.granted : undefined;
  }

  /** The user withdraws a granted permission: REVOKED at once; EDDIE is told through the streaming side's finish(). */
  async revoke(owner: string, permissionId: string): Promise<StoredPermission> {
    await this.end(await this.get(owner, permissionId), "userRevoked", null);
    return await this.get(owner, permissionId);
  }

  /**
   * Deletes a permission that was never granted (CREATED or FETCHED_DETAILS), without telling EDDIE:
   * for one whose details cannot be fetched. REJECT tells EDDIE no instead.
   */
  async remove(owner: string, permissionId: string): Promise<void> {
    const permission = await this.get(owner, permissionId);
    if (!(await this.store.deleteIn(permissionId, DELETABLE_STATUSES))) {
      throw new HubError(
        "CONFLICT",
        `Only a permission that was never granted (${DELETABLE_STATUSES.join(" or ")}) can be deleted; this one is ${permission.status}${isFinal(permission.status) ? " and stays as the record of what was shared" : ": revoke it instead"}.`,
      );
    }
    this.alarms.clear(permissionId);
    this.deps.logger.info("permission deleted", { permissionId, status: permission.status });
  }

  /** Revokes every permission that shares a data source, before it is deleted (as AIIDA does). */
  async revokeSharing(dataSourceId: string): Promise<void> {
    for (const permission of await this.store.list({ dataSourceId, statuses: SHARING_STATUSES })) {
      await this.end(permission, "userRevoked", "Its data source was deleted.");
    }
  }

  /** Carries out a command from EDDIE that the streaming side has already authorised. */
  readonly handleCommand: AuthorisedCommandHandler = async (permissionId, command) => {
    const permission = await this.store.get(permissionId);
    if (permission === undefined) {
      this.deps.logger.warn("command for an unknown permission ignored", {
        permissionId,
        action: command.action,
      });
      return;
    }
    if (isFinal(permission.status)) {
      this.deps.logger.info("command for a permission that is over ignored", {
        permissionId,
        action: command.action,
        status: permission.status,
      });
      return;
    }
    await this.carryOut(permission, command);
  };

  private async carryOut(permission: StoredPermission, command: PermissionCommand): Promise<void> {
    const { permissionId } = permission;
    switch (command.action) {
      case "TERMINATE":
        try {
          await this.end(permission, "terminateCommand", null);
        } catch (error) {
          if (!(error instanceof PermissionTransitionError)) throw error;
          this.deps.logger.warn("TERMINATE refused", { permissionId, reason: error.message });
        }
        return;
      case "SET_TRANSMISSION_ENABLED":
        await this.change(permission, { transmissionEnabled: command.enabled });
        this.deps.logger.info("transmission switched by EDDIE", { permissionId, enabled: command.enabled });
        this.deps.streaming.setTransmissionEnabled(permissionId, command.enabled);
        return;
      case "UPDATE_TRANSMISSION_SCHEDULE":
        await this.change(permission, { transmissionSchedule: command.transmissionSchedule });
        this.deps.logger.info("transmission schedule changed by EDDIE", {
          permissionId,
          schedule: command.transmissionSchedule,
        });
        this.deps.streaming.setTransmissionSchedule(permissionId, command.transmissionSchedule);
        return;
    }
  }

  /**
   * Ends a granted permission by `event` (revoke, TERMINATE, end time): the final status at once, then
   * the streaming side's finish() as the pending step. Before EDDIE's credentials came (ACCEPTED) the
   * PATCH ACCEPT goes on: once they come, EDDIE is told REVOKED with them.
   */
  private async end(
    permission: StoredPermission,
    event: PermissionEvent,
    reason: string | null,
  ): Promise<void> {
    const now = this.now();
    await this.transition(permission, event, {
      ...(event !== "endReached" && { revokeTime: now }),
      ...(reason !== null && { statusReason: reason }),
      // Without EDDIE's credentials yet, the PATCH ACCEPT pending goes on as it is (maybe running now).
      ...(permission.broker !== null && {
        step: { name: "FINISH" as const, attempts: 0, nextAttemptAt: now },
      }),
    });
    this.alarms.clear(permission.permissionId);
    this.loop.wake();
  }

  // ---- time: the start, the end ----

  /** Applies what the clock says to a permission's status, then sets its alarm for the next time that matters. */
  private async advance(permissionId: string, resuming: boolean): Promise<void> {
    const permission = await this.store.get(permissionId);
    if (permission === undefined) return;
    const now = this.now();
    const start = permission.startTime ?? now;
    const end = permission.expirationTime ?? Number.POSITIVE_INFINITY;
    switch (permission.status) {
      case "FETCHED_DETAILS":
        if (now >= end) {
          await this.transition(permission, "validationFailed", {
            statusReason: "The permission's last day passed before it was accepted.",
            revokeTime: now,
            step: { name: "PATCH_UNFULFILLABLE", attempts: 0, nextAttemptAt: now },
          });
          this.loop.wake();
        } else this.wakeAt(permissionId, end);
        return;
      case "ACCEPTED":
        if (now >= end) {
          await this.transition(permission, "endReached", {
            statusReason: "The permission ended before EDDIE handed out its broker credentials.",
            step: null,
          });
        } else this.wakeAt(permissionId, end);
        return;
      case "FETCHED_MQTT_CREDENTIALS":
      case "WAITING_FOR_START":
        if (now >= end) await this.end(permission, "endReached", null);
        else if (now >= start) await this.startStreaming(permission);
        else {
          if (permission.status === "FETCHED_MQTT_CREDENTIALS")
            await this.transition(permission, "startInFuture", {});
          this.wakeAt(permissionId, start);
        }
        return;
      case "STREAMING_DATA":
        if (now >= end) await this.end(permission, "endReached", null);
        else {
          if (resuming) await this.restartStreaming(permission);
          this.wakeAt(permissionId, end);
        }
        return;
      default:
        return;
    }
  }

  private wakeAt(permissionId: string, at: number): void {
    // The instance that looks after the permission keeps its timers; another one's would ring twice.
    if (!this.placement.owns(permissionId)) return;
    // guarded() never rejects: it logs what failed.
    this.alarms.set(permissionId, at, () => {
      void this.guarded(permissionId, () => this.advance(permissionId, false));
    });
  }

  /** Hands the permission to the streaming side; STREAMING_DATA only once it took it, FAILED_TO_START if it cannot. */
  private async startStreaming(permission: StoredPermission): Promise<void> {
    const built = await this.granted(permission);
    if ("missing" in built) {
      await this.transition(permission, "failedToStart", {
        statusReason: `Streaming cannot start: ${built.missing}.`,
      });
      return;
    }
    try {
      await this.deps.streaming.start(built.granted);
    } catch (error) {
      await this.transition(permission, "failedToStart", {
        statusReason: `Streaming cannot start: ${errorText(error)}`,
      });
      return;
    }
    await this.transition(permission, "startReached", {});
    this.wakeAt(permission.permissionId, built.granted.expirationTime);
  }

  /** After a hub start: STREAMING_DATA stays (no event leaves it for a failure); a failure is logged for the user to act on. */
  private async restartStreaming(permission: StoredPermission): Promise<void> {
    const built = await this.granted(permission);
    try {
      if ("missing" in built) throw new Error(built.missing);
      await this.deps.streaming.start(built.granted);
    } catch (error) {
      this.deps.logger.error("a streaming permission cannot be resumed; revoke it or fix the cause", {
        permissionId: permission.permissionId,
        error: errorText(error),
      });
    }
  }

  private async granted(
    permission: StoredPermission,
  ): Promise<{ granted: GrantedPermission } | { missing: string }> {
    const source =
      permission.dataSourceId === null ? undefined : await this.deps.dataSources.get(permission.dataSourceId);
    return grantedPermission(
      permission,
      await this.store.credentials(permission.permissionId),
      source,
      this.deps.aiidaId,
    );
  }

  // ---- the pending steps ----

  private async runStep(permissionId: string): Promise<void> {
    const permission = await this.store.get(permissionId);
    if (this.stopped || permission === undefined || permission.step === null) return;
    const step = permission.step.name;
    const until = this.now() + STEP_CLAIM_MS;
    // Another hub instance on the database may run the same step: the one whose claim lands runs it.
    if (!(await this.store.claimStep(permissionId, step, this.now(), until))) return;
    this.claims.set(permissionId, { step, until });
    try {
      await this.runClaimed(permission, step);
    } finally {
      // Once stopping, stop() gives back what is left: a run cut short records no outcome.
      if (!this.stopped) this.claims.delete(permissionId);
    }
  }

  private async runClaimed(permission: StoredPermission, step: PermissionStep): Promise<void> {
    const { permissionId } = permission;
    const running = this.step(permission, step);
    if (step !== "FINISH") {
      this.handshakes.add(running);
      void running.catch(() => {}).finally(() => this.handshakes.delete(running));
    }
    try {
      await running;
    } catch (error) {
      if (this.stopped) return;
      const now = await this.store.get(permissionId);
      if (now?.step) await this.tryAgainLater(now, `the hub failed: ${errorText(error)}`);
      throw error;
    }
  }

  private step(permission: StoredPermission, step: PermissionStep): Promise<void> {
    switch (step) {
      case "FETCH_DETAILS":
        return this.fetchDetails(permission);
      case "PATCH_ACCEPT":
        return this.patchAccept(permission);
      case "PATCH_REJECT":
        return this.patchAnswer(permission, "REJECT", "PATCH_REJECT");
      case "PATCH_UNFULFILLABLE":
        return this.patchAnswer(permission, "UNFULFILLABLE", "PATCH_UNFULFILLABLE");
      case "FINISH":
        return this.finish(permission);
    }
  }

  /** The permission again after an await, if it still has `step` pending and the hub still runs. */
  private async still(permissionId: string, step: PermissionStep): Promise<StoredPermission | undefined> {
    if (this.stopped) return undefined;
    const permission = await this.store.get(permissionId);
    return permission?.step?.name === step ? permission : undefined;
  }

  private async fetchDetails(permission: StoredPermission): Promise<void> {
    const { permissionId } = permission;
    if (permission.status !== "CREATED") return this.stepDone(permission, null);
    const answer = await this.deps.handshake.getDetails(
      permission.handshakeUrl,
      await this.accessToken(permissionId),
      this.stopping.signal,
    );
    const current = await this.still(permissionId, "FETCH_DETAILS");
    if (current === undefined || current.status !== "CREATED") return;
    const now = this.now();
    if (!answer.ok) {
      if (!answer.final) return this.tryAgainLater(current, answer.reason);
      // EDDIE refuses this token or permission (expired, unknown): asking again, or PATCHing, cannot help.
      await this.transition(current, "validationFailed", {
        statusReason: `EDDIE refused to hand out the details: ${answer.reason}.`,
        revokeTime: now,
        step: null,
        lastError: answer.reason,
      });
      return;
    }
    const read = readPermissionDetails(answer.body, { permissionId, now });
    switch (read.outcome) {
      case "unreadable":
        return this.tryAgainLater(
          current,
          `EDDIE's answer is not permission details (${problemText(read.problems)})`,
        );
      case "unfulfillable":
        await this.transition(current, "validationFailed", {
          ...termsChange(read.terms),
          dataNeed: read.dataNeed ?? null,
          problems: read.reasons,
          statusReason: `This hub cannot fulfil the permission: ${problemText(read.reasons)}.`,
          revokeTime: now,
          step: { name: "PATCH_UNFULFILLABLE", attempts: 0, nextAttemptAt: now },
          lastError: null,
        });
        this.loop.wake();
        return;
      case "fulfillable":
        await this.transition(current, "detailsFetched", {
          ...termsChange(read.terms),
          dataNeed: read.dataNeed,
          problems: [],
          step: null,
          lastError: null,
        });
        await this.advance(permissionId, false);
        return;
    }
  }

  /** PATCH REJECT or UNFULFILLABLE: done when EDDIE took it, or when EDDIE's 4xx says it never will. */
  private async patchAnswer(
    permission: StoredPermission,
    operation: HandshakeOperation,
    step: PermissionStep,
  ): Promise<void> {
    const answer = await this.patch(permission, operation);
    const current = await this.still(permission.permissionId, step);
    if (current === undefined) return;
    if (answer.ok) return this.stepDone(current, null);
    if (!answer.final) return this.tryAgainLater(current, answer.reason);
    this.deps.logger.warn(`EDDIE refused ${operation}; not asked again`, {
      permissionId: current.permissionId,
      reason: answer.reason,
    });
    await this.stepDone(current, `EDDIE refused ${operation}: ${answer.reason}`);
  }

  /**
   * PATCH ACCEPT. EDDIE answers with the broker credentials, only this once: they are stored before
   * anything else happens, in the transaction that moves the status on.
   */
  private async patchAccept(permission: StoredPermission): Promise<void> {
    const { permissionId } = permission;
    if (permission.status !== "ACCEPTED" && permission.status !== "REVOKED") {
      return this.stepDone(permission, null);
    }
    if (permission.status === "REVOKED" && this.now() >= (permission.expirationTime ?? 0)) {
      return this.stepDone(
        permission,
        "The permission ended before EDDIE handed out its broker credentials.",
      );
    }
    const answer = await this.patch(permission, "ACCEPT");
    // Credentials that came are stored even while the hub stops (stop() waits for this): EDDIE gives them once.
    if (this.stopped && !answer.ok) return;
    const current = await this.store.get(permissionId);
    if (current === undefined) return;
    if (answer.ok) return this.credentialsReceived(current, answer.body);
    if (current.step?.name !== "PATCH_ACCEPT") return;
    if (!answer.final) return this.tryAgainLater(current, answer.reason);
    const reason =
      answer.status === 400
        ? `EDDIE answered the ACCEPT with HTTP 400: it no longer waits for an answer to this permission (an earlier ACCEPT may have reached it, and EDDIE hands out the broker credentials only once). ${answer.reason}`
        : `EDDIE refused the ACCEPT: ${answer.reason}`;
    this.deps.logger.warn("EDDIE refused ACCEPT; the permission cannot start", {
      permissionId,
      reason: answer.reason,
    });
    if (current.status === "ACCEPTED") {
      await this.transition(current, "failedToStart", {
        statusReason: reason,
        step: null,
        lastError: answer.reason,
      });
    } else await this.stepDone(current, reason);
  }

  private async credentialsReceived(permission: StoredPermission, body: unknown): Promise<void> {
    const { permissionId } = permission;
    const credentials = readMqttCredentials(body, permissionId);
    if (!credentials.ok) {
      const reason = `EDDIE's broker credentials cannot be used (${problemText(credentials.problems)})`;
      this.deps.logger.error("EDDIE's broker credentials cannot be used", {
        permissionId,
        problems: credentials.problems,
      });
      if (permission.status === "ACCEPTED") {
        await this.transition(permission, "failedToStart", {
          statusReason: `${reason}.`,
          step: null,
          lastError: reason,
        });
      } else await this.stepDone(permission, reason);
      return;
    }
    const now = this.now();
    if (permission.status === "ACCEPTED") {
      const stored = await this.store.storeCredentials(
        permissionId,
        "ACCEPTED",
        credentials.value,
        {
          status: nextStatus("ACCEPTED", "credentialsReceived"),
          step: null,
          lastError: null,
        },
        now,
      );
      if (!stored)
        throw new Error(`permission ${permissionId} left ACCEPTED while its credentials were stored`);
      this.logStatus(permissionId, "ACCEPTED", "FETCHED_MQTT_CREDENTIALS");
      this.placement.changed(permissionId);
      await this.guarded(permissionId, () => this.advance(permissionId, false));
      return;
    }
    // Revoked (or ended) while EDDIE was being asked: keep the credentials all the same, and tell EDDIE with them.
    const finish = statusMessageFor(permission.status) !== undefined;
    await this.store.storeCredentials(
      permissionId,
      permission.status,
      credentials.value,
      {
        step: finish ? { name: "FINISH", attempts: 0, nextAttemptAt: now } : null,
        lastError: null,
      },
      now,
    );
    this.placement.changed(permissionId);
    this.loop.wake();
  }

  /** Hands a final status to the streaming side, which tells EDDIE (status message) and ends the streaming. */
  private async finish(permission: StoredPermission): Promise<void> {
    const message = statusMessageFor(permission.status);
    if (message === undefined) return this.stepDone(permission, null);
    const built = await this.granted(permission);
    if ("missing" in built)
      return this.stepDone(permission, `EDDIE cannot be told ${message}: ${built.missing}`);
    try {
      await this.deps.streaming.finish(built.granted, message);
    } catch (error) {
      const current = await this.still(permission.permissionId, "FINISH");
      if (current !== undefined)
        await this.tryAgainLater(current, `the streaming side could not finish: ${errorText(error)}`);
      return;
    }
    const current = await this.still(permission.permissionId, "FINISH");
    if (current !== undefined) await this.stepDone(current, null);
  }

  private async patch(permission: StoredPermission, operation: HandshakeOperation): Promise<HandshakeAnswer> {
    // An ACCEPT is never cut off by a stop: EDDIE may have handed out the credentials already, only this once.
    const signal = operation === "ACCEPT" ? new AbortController().signal : this.stopping.signal;
    return await this.deps.handshake.patch(
      permission.handshakeUrl,
      await this.accessToken(permission.permissionId),
      { operation, aiidaId: this.deps.aiidaId },
      signal,
    );
  }

  private async accessToken(permissionId: string): Promise<string> {
    const token = await this.store.accessToken(permissionId);
    if (token === undefined) throw new Error(`permission ${permissionId} has no access token`);
    return token;
  }

  private async stepDone(permission: StoredPermission, lastError: string | null): Promise<void> {
    await this.change(permission, { step: null, lastError });
  }

  private async tryAgainLater(permission: StoredPermission, reason: string): Promise<void> {
    if (permission.step === null) return;
    const attempts = permission.step.attempts + 1;
    const wait = retryDelayMs(this.retry, attempts);
    await this.change(permission, {
      step: { name: permission.step.name, attempts, nextAttemptAt: this.now() + wait },
      lastError: reason,
    });
    this.deps.logger.warn("a permission step failed; it is tried again", {
      permissionId: permission.permissionId,
      step: permission.step.name,
      attempts,
      retryInSeconds: Math.round(wait / 1000),
      reason,
    });
  }

  // ---- persisting ----

  /** Moves the permission on by `event` (throws a 409 error when its status does not take it), with `change`. */
  private async transition(
    permission: StoredPermission,
    event: PermissionEvent,
    change: PermissionChange,
  ): Promise<void> {
    const to = nextStatus(permission.status, event);
    await this.change(permission, { ...change, status: to });
    this.logStatus(permission.permissionId, permission.status, to);
  }

  private async change(permission: StoredPermission, change: PermissionChange): Promise<void> {
    if (!(await this.store.update(permission.permissionId, permission.status, change, this.now()))) {
      throw new HubError(
        "CONFLICT",
        `Permission ${permission.permissionId} changed meanwhile (it was ${permission.status}); try again.`,
      );
    }
    this.placement.changed(permission.permissionId);
  }

  private logStatus(permissionId: string, from: PermissionStatus, to: PermissionStatus): void {
    this.deps.logger.info("permission status", { permissionId, from, to });
  }

  /** Runs `fn` for a timer or a start; a failure is logged, never thrown into the event loop (never rejects). */
  private async guarded(permissionId: string, fn: () => Promise<void>): Promise<void> {
    if (this.stopped) return;
    try {
      await fn();
    } catch (error) {
      // Two instances moved it on at the same moment (one by its timer, one for a user): one of them did.
      if (error instanceof HubError && error.code === "CONFLICT") {
        this.deps.logger.info("a permission was moved on elsewhere meanwhile", { permissionId });
        return;
      }
      this.deps.logger.error("a permission could not be advanced", { permissionId, error: errorText(error) });
    }
  }
}

function refused(path: string, reason: string): HubError {
  return new HubError("VALIDATION_FAILED", `The permission cannot be accepted: ${reason}.`, [
    { path, reason },
  ]);
}

function termsChange(terms: PermissionTerms | undefined): PermissionChange {
  if (terms === undefined) return {};
  return {
    connectionId: terms.connectionId,
    dataNeedId: terms.dataNeedId,
    meterId: terms.meterId,
    startTime: terms.startTime,
    expirationTime: terms.expirationTime,
  };
}

function problemText(problems: readonly ProblemDetail[]): string {
  return problems.map((p) => `${p.path}: ${p.reason}`).join("; ");
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
