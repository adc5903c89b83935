import { formatTimeSeries, type RegisteredResource } from "../cim/format-time-series.ts";
import type { MeterReading, ReadingSource } from "./meter-reading.ts";
import { MqttLink, type MqttLinkSettings } from "./mqtt-link.ts";
import type { NoticeSink } from "./publisher-notice.ts";
import { QueueSender } from "./queue-sender.ts";
import { type AppendOutcome, QueueDiskFullError, ReadingQueue } from "./reading-queue.ts";

/** Everything one publisher run needs, already validated. */
export interface PublisherSettings {
  readonly source: ReadingSource;
  readonly queueFile: string;
  /** Size limit of the queue in readings; when full the oldest are dropped. */
  readonly queueLimit: number;
  readonly link: MqttLinkSettings;
  readonly topic: string;
  readonly registeredResource: RegisteredResource | undefined;
  readonly maxInFlight: number;
  /** Publishes per second at most (backlog flushes stay under the hub's per-device rate limit). */
  readonly maxPerSecond: number;
  /** Read one reading, send it (and any backlog before it), then finish. */
  readonly once: boolean;
  /** How long to keep sending after the source ended, --once, or Ctrl-C. */
  readonly flushTimeoutMs: number;
  readonly summaryIntervalMs: number;
}

/**
 * How a run ended. done: everything read was acknowledged; stopped: interrupted (the rest stays queued);
 * unsent: the source ended but the broker did not take everything in time; read-failed and
 * credentials-refused: --once could not do its one job.
 */
export type PublisherOutcome = "done" | "stopped" | "unsent" | "read-failed" | "credentials-refused";

/** Readings a bulk source (replay) may be ahead of the broker before it is held back. */
const BULK_BACKLOG = 1000;

/**
 * The flush after reading (--once, the source's end, Ctrl-C): its deadline, and an early end when the next
 * connection attempt would come too late for it.
 */
class FlushWindow {
  #deadline: number | undefined;
  readonly #givenUp = new AbortController();

  /** Aborts when the flush ends early: no connection can come before its deadline. */
  get givenUp(): AbortSignal {
    return this.#givenUp.signal;
  }

  /** Starts the flush; it may last `timeoutMs`. */
  open(timeoutMs: number): void {
    this.#deadline = performance.now() + timeoutMs;
  }

  remainingMs(): number {
    return this.#deadline === undefined ? 0 : this.#deadline - performance.now();
  }

  /** Whether the flush has begun and ends no later than `at` (performance.now() time); if so, it ends now. */
  endsBefore(at: number): boolean {
    if (this.#deadline === undefined || at < this.#deadline) return false;
    this.#givenUp.abort();
    return true;
  }
}

/** Source → on-disk queue → MQTT, with a summary every interval and a flush at the end. */
export class Publisher {
  readonly #settings: PublisherSettings;
  readonly #notify: NoticeSink;
  /** Drops for a full disk since it filled, so the console can say it once and then only now and then. */
  #diskFullDrops = 0;

  constructor(settings: PublisherSettings, notify: NoticeSink) {
    this.#settings = settings;
    // One reporter serves the whole run; a bug in it must not stop the data.
    this.#notify = (notice) => {
      try {
        notify(notice);
      } catch {
        // Deliberately ignored: losing a console line is better than losing readings.
      }
    };
  }

  /** Runs until the source ends, --once is done, or `signal` aborts (Ctrl-C). Throws if the queue cannot open. */
  async run(signal: AbortSignal): Promise<PublisherOutcome> {
    const s = this.#settings;
    const queue = ReadingQueue.open(s.queueFile, s.queueLimit);
    // --once gives up on refused credentials: retrying at the back-off cap cannot finish its one job.
    const giveUp = new AbortController();
    const flush = new FlushWindow();
    const notify: NoticeSink = (notice) => {
      if (notice.kind !== "connect-failed") {
        this.#notify(notice);
      } else if (s.once && notice.credentialsRefused) {
        giveUp.abort();
        this.#notify({ ...notice, givingUp: "credentials-refused" });
      } else if (queue.size > 0 && flush.endsBefore(performance.now() + notice.retryInMs)) {
        this.#notify({ ...notice, givingUp: "flush-timeout" });
      } else {
        this.#notify(notice);
      }
    };
    let sender: QueueSender | undefined;
    const link = new MqttLink(s.link, notify, () => sender?.wake());
    sender = new QueueSender(
      queue,
      link,
      {
        topic: s.topic,
        maxInFlight: s.maxInFlight,
        maxPerSecond: s.maxPerSecond,
        // A refusing broker is waited for as patiently as an unreachable one.
        resendPauseMaxMs: s.link.reconnectMaxMs,
      },
      notify,
    );
    const readFailures = { sinceSummary: 0 };
    notify({
      kind: "started",
      source: s.source.description,
      broker: s.link.brokerUrl,
      topic: s.topic,
      queueFile: s.queueFile,
      backlog: queue.size,
    });
    link.start();
    sender.start();
    const summaryTimer = s.once
      ? undefined
      : setInterval(() => {
          const counts = sender.takeCounts();
          const failed = counts.failed + readFailures.sinceSummary;
          readFailures.sinceSummary = 0;
          const { size: backlog, droppedTotal } = queue;
          notify({
            kind: "summary",
            periodMs: s.summaryIntervalMs,
            sent: counts.sent,
            failed,
            backlog,
            droppedTotal,
          });
        }, s.summaryIntervalMs);
    try {
      const reading = AbortSignal.any([signal, giveUp.signal]);
      const readOutcome = await this.#readAll(reading, queue, sender, notify, readFailures);
      if (readOutcome === "read-failed" && !giveUp.signal.aborted) return "read-failed";
      // After Ctrl-C only a live connection is worth waiting for; otherwise keep the backlog for next start.
      const worthWaiting = !giveUp.signal.aborted && (!signal.aborted || link.isConnected);
      if (worthWaiting) flush.open(s.flushTimeoutMs);
      const nextTry = link.nextAttemptAt;
      // A retry announced while reading may come after the deadline that is known only now.
      if (queue.size > 0 && !link.isConnected && nextTry !== undefined && flush.endsBefore(nextTry)) {
        const nextTryInMs = nextTry - performance.now();
        notify({ kind: "flush-given-up", nextTryInMs, flushTimeoutMs: s.flushTimeoutMs });
      }
      const drained =
        worthWaiting &&
        !flush.givenUp.aborted &&
        (await sender.drain(flush.remainingMs(), AbortSignal.any([giveUp.signal, flush.givenUp])));
      if (giveUp.signal.aborted) return "credentials-refused";
      return signal.aborted ? "stopped" : drained ? "done" : "unsent";
    } finally {
      clearInterval(summaryTimer);
      await sender.stop();
      await link.stop();
      const backlog = queue.size;
      queue.close();
      notify({ kind: "stopped", backlog, sentTotal: sender.sentTotal });
    }
  }

  /** Takes readings into the queue until the source ends or the signal aborts; with --once, one reading. */
  async #readAll(
    signal: AbortSignal,
    queue: ReadingQueue,
    sender: QueueSender,
    notify: NoticeSink,
    readFailures: { sinceSummary: number },
  ): Promise<"ended" | "read-failed"> {
    const s = this.#settings;
    let consecutiveFailures = 0;
    let consecutiveNotQueued = 0;
    try {
      for await (const event of s.source.events(signal)) {
        let failure = event.kind === "read-failed" ? event.message : undefined;
        let queued = false;
        if (event.kind === "reading") {
          const outcome = this.#enqueue(event.reading, queue, notify);
          if (outcome === "queued") {
            queued = true;
            consecutiveNotQueued = 0;
            sender.wake();
          } else if (outcome instanceof QueueDiskFullError) {
            // The meter answered; the disk is what failed, so it is counted as failed but is no read failure.
            readFailures.sinceSummary++;
            consecutiveNotQueued++;
            notify({ kind: "not-queued", message: outcome.message, consecutive: consecutiveNotQueued });
          } else {
            failure = outcome.unsendable;
          }
        }
        if (failure === undefined) {
          if (consecutiveFailures > 0) notify({ kind: "read-recovered", failedReads: consecutiveFailures });
          consecutiveFailures = 0;
        } else {
          consecutiveFailures++;
          readFailures.sinceSummary++;
          notify({ kind: "read-failed", message: failure, consecutive: consecutiveFailures });
        }
        if (s.once) return queued ? "ended" : "read-failed";
        if (s.source.bulk) await sender.whenBacklogBelow(Math.min(BULK_BACKLOG, s.queueLimit), signal);
      }
      return "ended";
    } finally {
      await s.source.close();
    }
  }

  /**
   * Commits a reading to the queue. Returns "queued", the QueueDiskFullError when the disk had no room for
   * it, or why it can never be sent.
   */
  #enqueue(
    reading: MeterReading,
    queue: ReadingQueue,
    notify: NoticeSink,
  ): "queued" | QueueDiskFullError | { readonly unsendable: string } {
    const s = this.#settings;
    let payload: string;
    try {
      const resource = s.registeredResource;
      payload = formatTimeSeries(
        resource === undefined ? reading : { ...reading, registeredResource: resource },
      );
    } catch (error) {
      return { unsendable: `the reading cannot be sent as CIM: ${(error as Error).message}` };
    }
    const droppedForSpace = (count: number) => {
      if (count === 0) return;
      this.#diskFullDrops++;
      const { droppedTotal } = queue;
      notify({ kind: "disk-full", count, droppedTotal, consecutive: this.#diskFullDrops });
    };
    let outcome: AppendOutcome;
    try {
      outcome = queue.append(payload, reading.timestamp);
    } catch (error) {
      if (!(error instanceof QueueDiskFullError)) throw error;
      droppedForSpace(error.droppedForSpace);
      return error;
    }
    if (outcome.diskHasRoomAgain) {
      this.#diskFullDrops = 0;
      notify({ kind: "disk-room", limit: s.queueLimit });
    }
    if (outcome.dropped > 0) {
      const { droppedTotal } = queue;
      notify({ kind: "dropped", count: outcome.dropped, droppedTotal, limit: s.queueLimit });
    }
    droppedForSpace(outcome.droppedForSpace);
    notify({ kind: "queued", seq: outcome.seq, payload, backlog: queue.size });
    return "queued";
  }
}
