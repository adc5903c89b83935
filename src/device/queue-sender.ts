import type { MqttLink, PublishAck } from "./mqtt-link.ts";
import { judgePuback } from "./puback-verdict.ts";
import type { NoticeSink } from "./publisher-notice.ts";
import type { QueuedReading, ReadingQueue } from "./reading-queue.ts";
import { Wakeup } from "./wakeup.ts";

/** Pause before re-sending after a publish failed while the connection stayed up; doubles while refusals go on. */
const RESEND_PAUSE_MS = 1000;

/** A run of publishes the broker refused (MQTT 5 PUBACK ≥ 0x80, e.g. 0x97 quota exceeded). */
interface RefusalStreak {
  /** Refused publishes so far. */
  count: number;
  /** Waits so far; each doubles the pause before the next resend. */
  round: number;
  /** The last publish sent before this round's wait: outcomes of earlier ones belong to the round. */
  roundEndsAfter: number;
}

/** Where and how fast to send. */
export interface SendPacing {
  readonly topic: string;
  /** Unacknowledged publishes at a time. */
  readonly maxInFlight: number;
  /** Publishes per second at most, so a backlog flush stays under the hub's per-device rate limit. */
  readonly maxPerSecond: number;
  /** Longest pause before re-sending while the broker keeps refusing publishes. */
  readonly resendPauseMaxMs: number;
}

/** Counts since the last summary. */
export interface SendCounts {
  readonly sent: number;
  readonly failed: number;
}

/**
 * Moves readings from the queue to the broker strictly in queue order, with at most `maxInFlight`
 * unacknowledged publishes. A reading leaves the queue only on its PUBACK; after any failure the sender
 * starts over from the oldest unacknowledged reading, so the backlog goes out in order. Pacing, holds and
 * deadlines run on the monotonic clock (performance.now), so a wall clock stepped back cannot stall sending.
 */
export class QueueSender {
  readonly #queue: ReadingQueue;
  readonly #link: MqttLink;
  readonly #topic: string;
  readonly #maxInFlight: number;
  readonly #spacingMs: number;
  readonly #resendPauseMaxMs: number;
  readonly #notify: NoticeSink;
  readonly #wakeup = new Wakeup();
  readonly #inFlight = new Set<number>();
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  #rewindPending = false;
  #holdUntil = 0;
  #nextSendAt = 0;
  #sentTotal = 0;
  #counts = { sent: 0, failed: 0 };
  /** Numbers every publish, so a refusal can tell whether it was sent before or after the last wait. */
  #sendNumber = 0;
  #refusals: RefusalStreak | undefined;

  constructor(queue: ReadingQueue, link: MqttLink, pacing: SendPacing, notify: NoticeSink) {
    this.#queue = queue;
    this.#link = link;
    this.#topic = pacing.topic;
    this.#maxInFlight = pacing.maxInFlight;
    this.#spacingMs = 1000 / pacing.maxPerSecond;
    this.#resendPauseMaxMs = pacing.resendPauseMaxMs;
    this.#notify = notify;
  }

  /** Readings acknowledged since start. */
  get sentTotal(): number {
    return this.#sentTotal;
  }

  /** Returns the counts since the previous call and starts new ones (for the periodic summary). */
  takeCounts(): SendCounts {
    const counts = this.#counts;
    this.#counts = { sent: 0, failed: 0 };
    return counts;
  }

  /** Starts the send loop. */
  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Tells the sender that something changed (a reading was queued, the link came up or went down). */
  wake(): void {
    this.#wakeup.notify();
  }

  async #run(): Promise<void> {
    let afterSeq = 0;
    let connection = -1;
    while (this.#running) {
      const woken = this.#wakeup.next();
      if (!this.#link.isConnected) {
        await woken;
        continue;
      }
      if (this.#link.connectionNumber !== connection || this.#rewindPending) {
        // Start over only once every publish of the old attempt has settled, or order could break.
        if (this.#inFlight.size > 0) {
          await woken;
          continue;
        }
        const hold = this.#holdUntil - performance.now();
        if (hold > 0) {
          await this.#wakeup.nextOrTimeout(hold);
          continue;
        }
        connection = this.#link.connectionNumber;
        this.#rewindPending = false;
        afterSeq = 0;
      }
      // An MQTT 5 broker says how many unacknowledged publishes it takes; more would get us disconnected.
      const room = Math.min(this.#maxInFlight, this.#link.receiveMaximum ?? Infinity) - this.#inFlight.size;
      const batch = room > 0 ? this.#queue.peekAfter(afterSeq, room) : [];
      if (batch.length === 0) {
        await woken;
        continue;
      }
      for (const reading of batch) {
        const wait = this.#nextSendAt - performance.now();
        if (wait > 0) {
          await this.#wakeup.nextOrTimeout(wait);
          break;
        }
        this.#nextSendAt = Math.max(this.#nextSendAt, performance.now()) + this.#spacingMs;
        afterSeq = reading.seq;
        void this.#send(reading);
      }
    }
  }

  async #send(reading: QueuedReading): Promise<void> {
    this.#inFlight.add(reading.seq);
    const connectionBefore = this.#link.connectionNumber;
    const sendNumber = ++this.#sendNumber;
    try {
      let ack: PublishAck;
      try {
        ack = await this.#link.publish(this.#topic, reading.payload);
      } catch {
        // Lost connection or failed publish: the reading stays queued and is resent.
        this.#counts.failed++;
        this.#rewindPending = true;
        if (this.#link.isConnected && this.#link.connectionNumber === connectionBefore) {
          // Same connection still up: the client failed this publish; do not hammer it.
          this.#holdUntil = performance.now() + RESEND_PAUSE_MS;
        }
        return;
      }
      const verdict = judgePuback(ack);
      if (verdict === "refused") {
        this.#refused(sendNumber, ack);
        return;
      }
      this.#taken(sendNumber);
      // Only the broker's acknowledgement lets a reading leave the disk; a reading the hub rejected (0x99)
      // was judged and would be rejected again, so it leaves too. A delete that fails (a full disk) is no
      // reason to send it again: the queue remembers it as acknowledged and deletes it later.
      const deleteFailure = this.#queue.acknowledge(reading.seq);
      this.#sentTotal++;
      this.#counts.sent++;
      this.#notify({ kind: "acknowledged", seq: reading.seq });
      if (verdict !== "stored") {
        this.#notify({
          kind: "hub-verdict",
          seq: reading.seq,
          verdict,
          reasonCode: ack.reasonCode,
          reasonString: ack.reasonString,
        });
      }
      if (deleteFailure !== undefined) this.#notify({ kind: "delete-failed", ...deleteFailure });
    } finally {
      this.#inFlight.delete(reading.seq);
      this.#wakeup.notify();
    }
  }

  /**
   * The broker refused a publish (PUBACK ≥ 0x80, not 0x99): the reading stays queued and everything from
   * it on is sent again after a pause that doubles with each round of refusals, up to the cap. Said once
   * per streak: the publishes in flight beside it are usually refused too.
   */
  #refused(sendNumber: number, ack: PublishAck): void {
    this.#counts.failed++;
    this.#rewindPending = true;
    const streak = this.#refusals;
    if (streak === undefined) {
      const retryInMs = this.#resendPause(1);
      this.#refusals = { count: 1, round: 1, roundEndsAfter: this.#sendNumber };
      this.#holdUntil = performance.now() + retryInMs;
      this.#notify({
        kind: "publish-refused",
        reasonCode: ack.reasonCode,
        reasonString: ack.reasonString,
        retryInMs,
      });
      return;
    }
    streak.count++;
    if (sendNumber > streak.roundEndsAfter) {
      streak.round++;
      streak.roundEndsAfter = this.#sendNumber;
      this.#holdUntil = performance.now() + this.#resendPause(streak.round);
    }
  }

  /** A publish was taken (stored, partly or rejected): one sent after the last wait ends a refusal streak. */
  #taken(sendNumber: number): void {
    const streak = this.#refusals;
    if (streak === undefined || sendNumber <= streak.roundEndsAfter) return;
    this.#refusals = undefined;
    this.#notify({ kind: "publish-accepted-again", refused: streak.count });
  }

  #resendPause(round: number): number {
    return Math.min(this.#resendPauseMaxMs, RESEND_PAUSE_MS * 2 ** (round - 1));
  }

  /** Waits until the queue is empty and nothing is in flight; false if `timeoutMs` passed or `signal` aborted first. */
  async drain(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    const wake = () => this.#wakeup.notify();
    signal.addEventListener("abort", wake, { once: true });
    try {
      while (this.#queue.size > 0 || this.#inFlight.size > 0) {
        const left = deadline - performance.now();
        if (left <= 0 || signal.aborted) return false;
        await this.#wakeup.nextOrTimeout(left);
      }
      return true;
    } finally {
      signal.removeEventListener("abort", wake);
    }
  }

  /** Resolves once fewer than `limit` readings are queued, or when `signal` aborts. */
  async whenBacklogBelow(limit: number, signal: AbortSignal): Promise<void> {
    const wake = () => this.#wakeup.notify();
    signal.addEventListener("abort", wake, { once: true });
    try {
      while (this.#queue.size >= limit && !signal.aborted) await this.#wakeup.next();
    } finally {
      signal.removeEventListener("abort", wake);
    }
  }

  /** Stops sending new readings; in-flight ones settle when the link stops. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wakeup.notify();
    await this.#loop;
  }
}
