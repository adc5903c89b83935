import type { MqttLink } from "./mqtt-link.ts";
import type { NoticeSink } from "./publisher-notice.ts";
import type { QueuedReading, ReadingQueue } from "./reading-queue.ts";
import { Wakeup } from "./wakeup.ts";

/** Pause before re-sending after a publish failed while the connection stayed up. */
const RESEND_PAUSE_MS = 1000;

/** Where and how fast to send. */
export interface SendPacing {
  readonly topic: string;
  /** Unacknowledged publishes at a time. */
  readonly maxInFlight: number;
  /** Publishes per second at most, so a backlog flush stays under the hub's per-device rate limit. */
  readonly maxPerSecond: number;
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

  constructor(queue: ReadingQueue, link: MqttLink, pacing: SendPacing, notify: NoticeSink) {
    this.#queue = queue;
    this.#link = link;
    this.#topic = pacing.topic;
    this.#maxInFlight = pacing.maxInFlight;
    this.#spacingMs = 1000 / pacing.maxPerSecond;
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
      const room = this.#maxInFlight - this.#inFlight.size;
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
    try {
      try {
        await this.#link.publish(this.#topic, reading.payload);
      } catch {
        // Lost connection or refused publish: the reading stays queued and is resent.
        this.#counts.failed++;
        this.#rewindPending = true;
        if (this.#link.isConnected && this.#link.connectionNumber === connectionBefore) {
          // Same connection still up: the broker or client refused this publish; do not hammer it.
          this.#holdUntil = performance.now() + RESEND_PAUSE_MS;
        }
        return;
      }
      // Only the broker's acknowledgement lets a reading leave the disk. A delete that fails (a full disk)
      // is no reason to send it again: the queue remembers it as acknowledged and deletes it later.
      const deleteFailure = this.#queue.acknowledge(reading.seq);
      this.#sentTotal++;
      this.#counts.sent++;
      this.#notify({ kind: "acknowledged", seq: reading.seq });
      if (deleteFailure !== undefined) this.#notify({ kind: "delete-failed", ...deleteFailure });
    } finally {
      this.#inFlight.delete(reading.seq);
      this.#wakeup.notify();
    }
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
