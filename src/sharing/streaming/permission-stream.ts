import { randomUUID } from "node:crypto";
import { carriedDataTags } from "../../cim/carried-data-tags.ts";
import { documentPermissionId } from "../../cim/document-permission-id.ts";
import { formatOutboundDocument } from "../../cim/format-outbound.ts";
import type { AiidaRecord } from "../../domain/aiida-record.ts";
import { supportedSchemas } from "../../domain/data-need.ts";
import type { OutboundRecord } from "../../domain/outbound-record.ts";
import type { StreamPhase } from "../../domain/sharing-flow.ts";
import { outboundDataTopic } from "../../domain/sharing-topics.ts";
import type { Logger } from "../../platform/logger.ts";
import { parseSchedule, type RunningSchedule, runSchedule, type Schedule } from "../../platform/schedule.ts";
import type { OutboxEntry, OutboxMessage, SharingOutboxStore } from "../../storage/ports.ts";
import { IntervalAggregate } from "../aggregate.ts";
import type { AuthorisedCommandHandler, GrantedPermission } from "../sharing-ports.ts";
import { buildStatusMessage, type StatusMessageStatus } from "../status-message.ts";
import { takeCommand } from "./command-intake.ts";
import { EpConnection, type EpConnectionOptions } from "./ep-connection.ts";
import { outboxCap } from "./outbox-cap.ts";

/** What every permission's stream shares: storage, the batched writes, the command handler. */
export interface StreamContext {
  readonly store: SharingOutboxStore;
  /** Writes a firing's messages together with others of the same event-loop turn; resolves once committed. */
  appendMessages(stream: PermissionStream, entries: readonly OutboxEntry[]): Promise<void>;
  /** Records a PUBACK together with others of the same turn; resolves once committed. */
  recordDelivery(message: OutboxMessage, at: number): Promise<void>;
  readonly onCommand: AuthorisedCommandHandler;
  readonly logger: Logger;
  readonly connection: EpConnectionOptions;
  /** Upper bound of the outbox cap. */
  readonly outboxMaxMessages: number;
  /** How long an ended permission keeps trying to deliver its outbox. */
  readonly finishGraceMs: number;
}

/** A phase of a stream object (a permission with no object in this process is "idle"). */
type LivePhase = Exclude<StreamPhase, "idle">;

/**
 * One permission's sharing: the records of its data source within its period, buffered and, at each
 * firing of its schedule, aggregated, formatted once per schema and written to the outbox; its
 * connection to EDDIE's broker delivers the outbox and takes its commands. Once ended it takes no
 * records, delivers what is left (final status message last), then closes.
 */
export class PermissionStream {
  private phaseNow: LivePhase;
  /** The records since the last firing, folded into the interval's record. */
  private readonly interval: IntervalAggregate;
  private job: RunningSchedule | undefined;
  private scheduleText: string;
  private maxDataMessages: number;
  private graceTimer: NodeJS.Timeout | undefined;
  readonly connection: EpConnection;

  private constructor(
    readonly granted: GrantedPermission,
    private readonly ctx: StreamContext,
    phase: LivePhase,
  ) {
    this.phaseNow = phase;
    this.interval = new IntervalAggregate(granted.dataNeed.dataTags);
    this.scheduleText = granted.transmissionSchedule;
    this.maxDataMessages = ctx.outboxMaxMessages;
    this.connection = new EpConnection(
      granted.credentials,
      {
        outbox: (limit, includeData) => ctx.store.next(granted.permissionId, limit, includeData),
        delivered: (message, at) => this.delivered(message, at),
        command: (topic, payload) => {
          if (this.phaseNow === "streaming")
            void takeCommand(granted, topic, payload, ctx.onCommand, ctx.logger);
        },
        refused: () => {
          if (this.phaseNow === "finishing") void this.discardRest("EDDIE's broker refused the credentials");
        },
      },
      ctx.logger,
      ctx.connection,
    );
    this.connection.transmissionEnabled = granted.transmissionEnabled;
  }

  /** Starts streaming a permission: schedule, connection. */
  static streaming(granted: GrantedPermission, ctx: StreamContext): PermissionStream {
    const stream = new PermissionStream(granted, ctx, "streaming");
    stream.setSchedule(granted.transmissionSchedule);
    stream.connection.open();
    return stream;
  }

  /** A permission that is ending (now, or since before a restart): delivers its outbox, then closes. */
  static finishing(granted: GrantedPermission, ctx: StreamContext, since: number): PermissionStream {
    const stream = new PermissionStream(granted, ctx, "finishing");
    stream.beginDelivering(since);
    return stream;
  }

  get phase(): LivePhase {
    return this.phaseNow;
  }

  get permissionId(): string {
    return this.granted.permissionId;
  }

  get transmissionSchedule(): string {
    return this.scheduleText;
  }

  get outboxCap(): number {
    return this.maxDataMessages;
  }

  /** A stored record of this permission's data source. */
  take(record: AiidaRecord): void {
    if (this.phaseNow !== "streaming") return;
    if (record.timestamp < this.granted.startTime || record.timestamp >= this.granted.expirationTime) return;
    this.interval.add(record);
  }

  setTransmissionEnabled(enabled: boolean): void {
    this.connection.transmissionEnabled = enabled;
    if (enabled) this.connection.pump();
  }

  /** Runs the schedule from now on; false (and the old one kept) for text that is not a schedule. */
  setSchedule(text: string): boolean {
    const parsed = parseSchedule(text);
    if (!parsed.ok) {
      this.ctx.logger.error("schedule not changed: not a valid schedule", {
        permission: this.permissionId,
        reason: parsed.reason,
      });
      return false;
    }
    this.scheduleText = text;
    this.maxDataMessages = this.capFor(parsed.schedule);
    this.job?.stop();
    if (this.phaseNow === "streaming") this.job = runSchedule(parsed.schedule, () => this.fire());
    return true;
  }

  private capFor(schedule: Schedule): number {
    const schemas = supportedSchemas(this.granted.dataNeed).length;
    return outboxCap(schedule, schemas, this.ctx.outboxMaxMessages);
  }

  /** One firing: the interval's record, once per schema, into the outbox. Never throws (a timer calls it). */
  private fire(): void {
    try {
      const record = this.interval.take();
      if (record === undefined) {
        this.ctx.logger.debug("nothing to send this interval", { permission: this.permissionId });
        return; // no empty messages
      }
      const entries = this.format(record);
      if (entries.length === 0) return;
      this.ctx.appendMessages(this, entries).then(
        () => this.connection.pump(),
        (error: unknown) =>
          this.ctx.logger.error("messages for EDDIE could not be stored; this interval is not sent", {
            permission: this.permissionId,
            error: String(error),
          }),
      );
    } catch (error) {
      this.ctx.logger.error("a schedule firing failed", {
        permission: this.permissionId,
        error: String(error),
      });
    }
  }

  private format(record: OutboundRecord): OutboxEntry[] {
    const { granted, ctx } = this;
    const now = Date.now();
    const entries: OutboxEntry[] = [];
    for (const schema of supportedSchemas(granted.dataNeed)) {
      const fields = { permission: granted.permissionId, schema };
      let text: string | undefined;
      try {
        text = formatOutboundDocument(schema, {
          record,
          permission: {
            permissionId: granted.permissionId,
            connectionId: granted.connectionId,
            dataNeedId: granted.dataNeedId,
            aiidaId: granted.aiidaId,
          },
          dataSource: granted.dataSource,
          now,
          newMrid: randomUUID,
        });
      } catch (error) {
        ctx.logger.error("formatting failed; the other schemas are still sent", {
          ...fields,
          error: String(error),
        });
        continue;
      }
      if (text === undefined) continue; // nothing this schema can carry
      // EDDIE files a document under the id inside it, never comparing it with the topic's.
      const inside = documentPermissionId(schema, JSON.parse(text));
      if (inside !== granted.permissionId) {
        ctx.logger.error("document names another permission; not sent", { ...fields, inside });
        continue;
      }
      entries.push({
        permissionId: granted.permissionId,
        kind: "data",
        channel: schema,
        topic: outboundDataTopic(granted.permissionId, schema),
        payload: text,
        retain: false,
        dataTags: carriedDataTags(schema, record.values),
        createdAt: now,
      });
    }
    return entries;
  }

  /**
   * Ends the permission: takes no more records, writes the final status message after everything
   * already formatted (durable when this resolves), then delivers the rest. A permission that ran its
   * course (FULFILLED) still sends the records of its last, unfinished interval; a revoked or terminated
   * one does not. With transmission disabled the held data messages are discarded (counted): EDDIE asked
   * for none. False if it was already ending.
   */
  async finish(status: StatusMessageStatus): Promise<boolean> {
    if (this.phaseNow !== "streaming") return false;
    if (status === "FULFILLED") this.fire();
    else this.interval.take();
    this.phaseNow = "finishing";
    this.job?.stop();
    this.job = undefined;
    await this.ctx.appendMessages(this, []); // every firing written before: the status message comes last
    const begun = await writeFinalStatus(
      this.granted,
      status,
      this.ctx,
      !this.connection.transmissionEnabled,
    );
    this.beginDelivering(Date.now());
    return begun;
  }

  private beginDelivering(since: number): void {
    this.connection.takeCommands = false;
    this.connection.transmissionEnabled = true;
    const remaining = since + this.ctx.finishGraceMs - Date.now();
    if (remaining <= 0) {
      void this.discardRest("its outbox was not delivered within the grace period");
      return;
    }
    this.graceTimer = setTimeout(
      () => void this.discardRest("its outbox was not delivered within the grace period"),
      Math.min(remaining, 2 ** 31 - 1),
    );
    this.graceTimer.unref();
    this.connection.open();
    this.connection.pump();
    this.closeIfDelivered();
  }

  private delivered(message: OutboxMessage, at: number): void {
    this.ctx.recordDelivery(message, at).then(
      () => {
        this.connection.settled(message.id);
        this.closeIfDelivered();
      },
      (error: unknown) => {
        this.connection.settled(message.id);
        this.ctx.logger.error("a delivery could not be recorded; the message may be sent again", {
          permission: this.permissionId,
          error: String(error),
        });
      },
    );
  }

  /** An ending permission whose outbox is empty is done: close the connection. */
  private closeIfDelivered(): void {
    this.finishIfDelivered().catch((error: unknown) =>
      this.ctx.logger.error(
        "an ended permission's outbox could not be closed; the grace period's end or the next start closes it",
        {
          permission: this.permissionId,
          error: String(error),
        },
      ),
    );
  }

  private async finishIfDelivered(): Promise<void> {
    if (this.phaseNow !== "finishing" || this.connection.busy) return;
    const left = await this.ctx.store.next(this.permissionId, 1, true);
    // Checked again: a publish, the grace timer or another check may have come while the store answered.
    if (left.length > 0 || this.phaseNow !== "finishing" || this.connection.busy) return;
    this.phaseNow = "finished"; // taken now, so that nothing else finishes it while the store writes
    try {
      await this.ctx.store.finish(this.permissionId, Date.now());
      this.ctx.logger.info("permission's outbox delivered; connection closed", {
        permission: this.permissionId,
      });
    } finally {
      await this.end(true);
    }
  }

  /** Ends the delivery for good, discarding what is left; never rejects (timers and hooks call it): logs instead. */
  private async discardRest(why: string): Promise<void> {
    if (this.phaseNow !== "finishing") return;
    try {
      await this.end(false);
      const discarded = await this.ctx.store.finish(this.permissionId, Date.now());
      this.ctx.logger.warn(`permission ended: ${why}; undelivered messages discarded`, {
        permission: this.permissionId,
        discarded,
      });
    } catch (error) {
      this.ctx.logger.error(
        "an ended permission's outbox could not be discarded; it is tried at the next start",
        {
          permission: this.permissionId,
          error: String(error),
        },
      );
    }
  }

  private async end(graceful: boolean): Promise<void> {
    this.phaseNow = "finished";
    clearTimeout(this.graceTimer);
    await this.connection.close(graceful);
  }

  /** Hub stop: no more firings, the connection closed; the outbox keeps what was not delivered. */
  async close(): Promise<void> {
    this.job?.stop();
    this.job = undefined;
    clearTimeout(this.graceTimer);
    await this.connection.close(false);
  }
}

/** Writes the final status message to the outbox and marks the permission as ending; false if it already was. */
export async function writeFinalStatus(
  granted: GrantedPermission,
  status: StatusMessageStatus,
  ctx: Pick<StreamContext, "store" | "logger">,
  discardData: boolean,
): Promise<boolean> {
  const now = Date.now();
  const message = buildStatusMessage(granted, status, now);
  const begun = await ctx.store.beginFinish(
    granted.permissionId,
    status,
    {
      permissionId: granted.permissionId,
      kind: "status",
      channel: "status",
      topic: granted.credentials.statusTopic,
      payload: JSON.stringify(message),
      retain: true,
      dataTags: [],
      createdAt: now,
    },
    discardData,
  );
  if (begun) ctx.logger.info("final status message queued", { permission: granted.permissionId, status });
  return begun;
}
