import { setTimeout as delay } from "node:timers/promises";
import type { DataSource } from "../domain/data-source.ts";
import { numberText } from "../domain/number-text.ts";
import { CommitBatcher } from "../platform/commit-batcher.ts";
import type { FeedbackReport, IngestOutcome, RecordWriter } from "../storage/ports.ts";
import { ADAPTERS } from "./adapter-registry.ts";
import { rejectedOutcome } from "./feedback-report.ts";
import { type IngestVerdict, verdictOf } from "./ingest-verdict.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { ReceiptStamps } from "./receipt-stamps.ts";
import type { RecordBus } from "./record-bus.ts";

/** Settings of the ingest path. */
export interface IngestSettings {
  readonly maxPayloadBytes: number;
  readonly rateLimitPerSecond: number;
  readonly maxFutureMs: number;
  readonly maxPastMs: number;
  readonly commitBatchSize: number;
}

/** Where feedback reports go after their message is committed (the device's feedback topic). */
export type FeedbackSink = (report: FeedbackReport) => void;

/**
 * Commits handed to the writer before the first has answered: messages arriving during a commit go
 * to the writer at once and join its next transaction, instead of waiting for a round trip first.
 */
const COMMITS_IN_FLIGHT = 8;

/** Longest a QoS 0 message may be held back for flow control before it is rejected as a flood. */
const MAX_RATE_WAIT_MS = 2000;

/**
 * The path of one device message: rate limit, size check, adapter, durable batched commit, then
 * feedback and fan-out. The returned promise resolves only after the commit: the broker acks then.
 */
export class IngestPipeline {
  private readonly batcher: CommitBatcher<IngestOutcome>;
  private readonly limiter: RateLimiter;
  private readonly stamps = new ReceiptStamps();

  constructor(
    private readonly writer: RecordWriter,
    private readonly bus: RecordBus,
    private readonly sendFeedback: FeedbackSink,
    private readonly settings: IngestSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.batcher = new CommitBatcher(
      (outcomes) => this.writer.write(outcomes),
      settings.commitBatchSize,
      COMMITS_IN_FLIGHT,
      // One message that fails the write (see RecordWriter.write) must not fail the others with it.
      (err) => (err as { isolable?: unknown }).isolable === true,
    );
    this.limiter = new RateLimiter(
      settings.rateLimitPerSecond,
      settings.rateLimitPerSecond * 2,
      MAX_RATE_WAIT_MS,
    );
  }

  /**
   * Handles one message and resolves, once its outcome is committed, with what became of it. A flood
   * is slowed down; past MAX_RATE_WAIT_MS it is refused when `refusable` (QoS 0, and QoS 1/2 from MQTT 5
   * devices, which learn it from their acknowledgement), otherwise only ever slowed down.
   */
  async ingest(source: DataSource, payload: Buffer, refusable: boolean): Promise<IngestVerdict> {
    const decision = this.limiter.take(source.id, this.now(), refusable);
    if (decision.kind === "wait") await delay(decision.ms);
    const receivedAt = this.now();
    const flooded = decision.kind === "reject";
    const outcome = this.outcomeOf(source, payload, receivedAt, flooded);
    await this.batcher.submit(outcome);
    if (outcome.feedback) this.sendFeedback(outcome.feedback);
    if (outcome.record) this.bus.publish(outcome.record);
    return verdictOf(outcome, flooded);
  }

  /** Messages received whose commit has not finished yet. */
  get waiting(): number {
    return this.batcher.waiting;
  }

  /** Commits everything still pending (used at shutdown). */
  drain(): Promise<void> {
    return this.batcher.drain();
  }

  private outcomeOf(
    source: DataSource,
    payload: Buffer,
    receivedAt: number,
    flooded: boolean,
  ): IngestOutcome {
    if (flooded) {
      const limit = this.settings.rateLimitPerSecond;
      const reason = `rate limit exceeded: at most ${limit} messages per second per device`;
      const message = `The device sends more than ${numberText(limit)} messages a second; send this one again later.`;
      return rejectedOutcome(source.id, receivedAt, [{ path: "$", reason, message }], [], 0);
    }
    if (payload.length > this.settings.maxPayloadBytes) {
      const limit = this.settings.maxPayloadBytes;
      const reason = `payload of ${payload.length} bytes exceeds the limit of ${limit} bytes`;
      const message = `The message is ${numberText(payload.length)} bytes, more than the ${numberText(limit)} bytes the hub accepts.`;
      return rejectedOutcome(source.id, receivedAt, [{ path: "$", reason, message }], [], 0);
    }
    return ADAPTERS[source.type](source, payload, {
      receivedAt,
      maxFutureMs: this.settings.maxFutureMs,
      maxPastMs: this.settings.maxPastMs,
      receiptStamps: this.stamps,
    });
  }
}
