import type { AiidaRecord } from "../../domain/aiida-record.ts";
import type { PermissionDataFlow, SentValueCount, StreamPhase } from "../../domain/sharing-flow.ts";
import { CommitBatcher } from "../../platform/commit-batcher.ts";
import type { Logger } from "../../platform/logger.ts";
import type { OutboxAppend, OutboxDelivery, OutboxEntry, SharingOutboxStore } from "../../storage/ports.ts";
import {
  ALONE,
  type AuthorisedCommandHandler,
  type GrantedPermission,
  type PermissionLookup,
  type PermissionPlacement,
  type PermissionStreaming,
} from "../sharing-ports.ts";
import type { StatusMessageStatus } from "../status-message.ts";
import type { EpConnectionOptions } from "./ep-connection.ts";
import { OUTBOX_HOLDS_SECONDS } from "./outbox-cap.ts";
import { PermissionStream, type StreamContext, writeFinalStatus } from "./permission-stream.ts";

/** Where stored records come from (the ingest side's RecordBus): every record after its commit. */
export interface RecordFeed {
  subscribe(listener: (record: AiidaRecord) => void): () => void;
}

export interface StreamingOptions extends EpConnectionOptions {
  /** Upper bound of the per-permission outbox cap (--sharing-outbox-max-messages). */
  readonly outboxMaxMessages: number;
  /** How long an ended permission keeps trying to deliver what its outbox holds. */
  readonly finishGraceMs: number;
}

export const DEFAULT_STREAMING_OPTIONS: StreamingOptions = {
  outboxMaxMessages: 1_000_000,
  finishGraceMs: OUTBOX_HOLDS_SECONDS * 1000,
  reconnectInitialMs: 1000,
  reconnectMaxMs: 60_000,
  connectTimeoutMs: 10_000,
  maxInFlight: 8,
};

export interface StreamingDependencies {
  readonly store: SharingOutboxStore;
  readonly records: RecordFeed;
  readonly onCommand: AuthorisedCommandHandler;
  readonly logger: Logger;
  readonly options?: Partial<StreamingOptions>;
  /** Which permissions this instance streams when several hub instances share the database. */
  readonly placement?: PermissionPlacement;
  /**
   * Asks for the records of a data source that a permission streams here, also those stored by other
   * hub instances; returns what ends the interest.
   */
  readonly watchSource?: (dataSourceId: string) => () => void;
}

/** Most messages written, or deliveries recorded, in one transaction. */
const MAX_BATCH = 5000;

/**
 * The streaming side: one PermissionStream per permission that streams or is ending, records routed to
 * them by data source, their outbox writes and PUBACK records grouped per event-loop turn into one
 * transaction each (one fsync for all permissions firing at the same second).
 */
export class MqttPermissionStreaming implements PermissionStreaming {
  private readonly streams = new Map<string, PermissionStream>();
  private readonly bySource = new Map<string, Set<PermissionStream>>();
  /** Ends the interest in the records of each streaming permission's data source. */
  private readonly watching = new Map<string, () => void>();
  private readonly placement: PermissionPlacement;
  private readonly appends: CommitBatcher<{ stream: PermissionStream; entries: readonly OutboxEntry[] }>;
  private readonly deliveries: CommitBatcher<OutboxDelivery>;
  private readonly ctx: StreamContext;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly deps: StreamingDependencies) {
    this.placement = deps.placement ?? ALONE;
    const options = { ...DEFAULT_STREAMING_OPTIONS, ...deps.options };
    const store = deps.store;
    this.appends = new CommitBatcher(
      async (items) => {
        await store.append(
          items.map(
            ({ stream, entries }): OutboxAppend => ({
              permissionId: stream.permissionId,
              entries,
              maxDataMessages: stream.outboxCap,
              inFlight: stream.connection.handedIds(),
            }),
          ),
        );
      },
      MAX_BATCH,
      1,
    );
    this.deliveries = new CommitBatcher(async (items) => await store.delivered(items), MAX_BATCH, 1);
    this.ctx = {
      store,
      appendMessages: (stream, entries) => this.appends.submit({ stream, entries }),
      recordDelivery: (message, at) => this.deliveries.submit({ id: message.id, sentAt: at }),
      onCommand: deps.onCommand,
      logger: deps.logger,
      connection: options,
      outboxMaxMessages: options.outboxMaxMessages,
      finishGraceMs: options.finishGraceMs,
    };
    this.unsubscribe = deps.records.subscribe((record) => {
      const streams = this.bySource.get(record.dataSourceId);
      if (streams !== undefined) for (const stream of streams) stream.take(record);
    });
  }

  async start(permission: GrantedPermission): Promise<void> {
    if (this.closed || this.streams.has(permission.permissionId)) return;
    // The instance that looks after it streams it, told by the permission side (placement.changed).
    if (!this.placement.owns(permission.permissionId)) return;
    const state = await this.deps.store.state(permission.permissionId);
    if (state?.finishingStatus != null) {
      this.deps.logger.warn("not streaming a permission that has ended", {
        permission: permission.permissionId,
        status: state.finishingStatus,
      });
      return;
    }
    // Checked again: the hub may have stopped, or another start() taken it, while the store answered.
    if (this.closed || this.streams.has(permission.permissionId)) return;
    const stream = PermissionStream.streaming(permission, this.ctx);
    this.streams.set(permission.permissionId, stream);
    const sourceId = permission.dataSource.id;
    const streams = this.bySource.get(sourceId) ?? new Set();
    streams.add(stream);
    this.bySource.set(sourceId, streams);
    if (this.deps.watchSource) this.watching.set(permission.permissionId, this.deps.watchSource(sourceId));
  }

  async finish(permission: GrantedPermission, status: StatusMessageStatus): Promise<void> {
    if (this.closed) throw new Error("sharing is closed");
    const id = permission.permissionId;
    if (!this.placement.owns(id)) {
      // Queued here (durable when this resolves); the instance that streams it delivers it.
      await writeFinalStatus(permission, status, this.ctx, !permission.transmissionEnabled);
      this.placement.changed(id);
      return;
    }
    const stream = this.streams.get(id);
    if (stream?.phase === "streaming") {
      this.stopTakingRecords(stream);
      await stream.finish(status);
      return;
    }
    if (stream !== undefined) return; // already ending or ended in this process
    const state = await this.deps.store.state(id);
    if (state?.finishedAt != null) return;
    if (state?.finishingStatus == null) {
      // Never streamed here (waiting for its start, or the hub was down): the status message still goes.
      await writeFinalStatus(permission, status, this.ctx, !permission.transmissionEnabled);
    }
    const since = (await this.deps.store.state(id))?.finishingSince ?? Date.now();
    // Another finish() or resumeFinishing() may have taken it over while the store answered: one stream each.
    if (this.closed || this.streams.has(id)) return;
    this.streams.set(id, PermissionStream.finishing(permission, this.ctx, since));
  }

  async resumeFinishing(
    lookup: PermissionLookup,
    belonging: (permissionId: string) => boolean = () => true,
  ): Promise<void> {
    for (const id of await this.deps.store.finishingPermissionIds()) {
      if (this.streams.has(id) || !belonging(id) || !this.placement.owns(id)) continue;
      const permission = await lookup(id);
      const state = await this.deps.store.state(id);
      if (permission === undefined || state?.finishingStatus == null) {
        this.deps.logger.warn("an ended permission's outbox cannot be delivered: permission unknown", {
          permission: id,
        });
        continue;
      }
      // Checked again: a finish() of the same permission may have come while the store answered.
      if (this.closed || this.streams.has(id)) continue;
      this.streams.set(
        id,
        PermissionStream.finishing(permission, this.ctx, state.finishingSince ?? Date.now()),
      );
    }
  }

  setTransmissionEnabled(permissionId: string, enabled: boolean): void {
    const stream = this.streams.get(permissionId);
    if (stream?.phase === "streaming") stream.setTransmissionEnabled(enabled);
  }

  setTransmissionSchedule(permissionId: string, schedule: string): void {
    const stream = this.streams.get(permissionId);
    if (stream?.phase === "streaming") stream.setSchedule(schedule);
  }

  async finishedElsewhere(permissionId: string, lookup: PermissionLookup): Promise<void> {
    if (this.closed || !this.placement.owns(permissionId)) return;
    const stream = this.streams.get(permissionId);
    if (stream !== undefined && stream.phase !== "streaming") return; // already delivering its outbox
    const state = await this.deps.store.state(permissionId);
    if (state?.finishingStatus == null || state.finishedAt != null) return;
    const permission = await lookup(permissionId);
    if (permission === undefined) return;
    // Its status message is queued already: finish() only stops the stream and delivers the outbox.
    await this.finish(permission, state.finishingStatus as StatusMessageStatus);
  }

  async letGo(belonging: (permissionId: string) => boolean): Promise<void> {
    const leaving = [...this.streams.values()].filter((stream) => belonging(stream.permissionId));
    for (const stream of leaving) {
      this.stopTakingRecords(stream);
      this.streams.delete(stream.permissionId);
    }
    await Promise.all(leaving.map((stream) => stream.close()));
  }

  private stopTakingRecords(stream: PermissionStream): void {
    this.bySource.get(stream.granted.dataSource.id)?.delete(stream);
    this.watching.get(stream.permissionId)?.();
    this.watching.delete(stream.permissionId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const end of this.watching.values()) end();
    this.watching.clear();
    await this.appends.drain();
    await Promise.all([...this.streams.values()].map((stream) => stream.close()));
    await this.deliveries.drain();
    this.streams.clear();
    this.bySource.clear();
  }

  async dataFlow(permissionId: string): Promise<PermissionDataFlow> {
    const state = await this.deps.store.state(permissionId);
    const lastSent = await this.deps.store.lastSent(permissionId);
    // Read after the store answered, so the phase in memory is as new as the counts, or newer.
    const stream = this.streams.get(permissionId);
    let phase: StreamPhase = stream?.phase ?? "idle";
    if (stream === undefined && state?.finishedAt != null) phase = "finished";
    else if (stream === undefined && state?.finishingStatus != null) phase = "finishing";
    const live = stream?.phase === "streaming" ? stream : undefined;
    return {
      permissionId,
      phase,
      brokerConnected: stream?.connection.connected ?? false,
      transmissionEnabled: live?.connection.transmissionEnabled ?? null,
      transmissionSchedule: live?.transmissionSchedule ?? null,
      maxDataMessages: live?.outboxCap ?? null,
      dataMessages: state?.dataMessages ?? 0,
      statusMessages: state?.statusMessages ?? 0,
      oldestWaitingSince: state?.oldestCreatedAt ?? null,
      droppedOldest: state?.droppedOldest ?? 0,
      discardedAtEnd: state?.discardedAtEnd ?? 0,
      finalStatus: state?.finishingStatus ?? null,
      lastSent,
    };
  }

  async sentValues(permissionId: string): Promise<readonly SentValueCount[]> {
    return await this.deps.store.sentValues(permissionId);
  }
}
