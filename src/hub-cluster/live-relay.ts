import { randomBytes } from "node:crypto";
import { BatchedNotifier } from "../cluster/batched-notifier.ts";
import { MAX_NOTIFY_PAYLOAD_BYTES } from "../cluster/notify-payload.ts";
import type { NotificationListener } from "../cluster/pg-notifier.ts";
import type { AiidaRecord } from "../domain/aiida-record.ts";
import type { FanOut } from "../platform/fan-out.ts";
import type { Logger } from "../platform/logger.ts";
import type { FeedbackReport } from "../storage/ports.ts";
import { decodeLiveItem, encodeLiveItem, type LiveItem } from "./live-item.ts";
import { type Watched, WatchInterests } from "./watch-interests.ts";

/** Channel of relayed records and feedback reports (JSON arrays of live items). */
export const LIVE_CHANNEL = "aiida_live";
/** Channel of the instances' announcements of what they watch. */
export const LIVE_INTEREST_CHANNEL = "aiida_live_interest";

/** PgNotifier: listening and sending. */
export interface LiveNotifier {
  listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
}

export interface LiveRelayOptions {
  readonly notifier: LiveNotifier;
  /** This instance's record bus: its records are sent to instances that watch their data source. */
  readonly records: Pick<FanOut<AiidaRecord>, "subscribe">;
  /** This instance's feedback bus, likewise. */
  readonly feedback: Pick<FanOut<FeedbackReport>, "subscribe">;
  /** The viewers' record bus: other instances' records go here, never into the local record bus. */
  readonly viewerRecords: Pick<FanOut<AiidaRecord>, "publish">;
  /** The viewers' feedback bus, likewise. */
  readonly viewerFeedback: Pick<FanOut<FeedbackReport>, "publish">;
  /** The data sources this instance's live viewers watch now. */
  readonly watchedHere: () => Watched;
  /** Items wait at most this long to share a NOTIFY (default 50 ms). */
  readonly batchIntervalMs?: number;
  /** How often this instance says what it watches (default 2 s). */
  readonly announceIntervalMs?: number;
  /** An instance's announcement counts this long unless renewed (default three announce intervals). */
  readonly interestTtlMs?: number;
  /** Largest NOTIFY payload (default PostgreSQL's limit); smaller in tests. */
  readonly maxPayloadBytes?: number;
  readonly logger?: Logger;
}

/** What the relay has done, for tests and diagnostics. */
export interface LiveRelayStats {
  /** Items handed to the batched notifier. */
  readonly sent: number;
  /** Items of other instances published to this instance's viewers. */
  readonly received: number;
  /** Items too large for one NOTIFY, not sent. */
  readonly skipped: number;
  /** Items or announcements received that could not be read. */
  readonly malformed: number;
}

/** An announcement: what instance `from` watches; `ask` asks every other instance to announce at once. */
interface Announcement {
  readonly from: string;
  readonly watch?: readonly string[] | "all";
  readonly gone?: true;
  readonly ask?: true;
}

/**
 * Live records and feedback reports for viewers on other instances. Instances announce which data
 * sources they watch; an instance sends its local items only for data sources watched elsewhere, batched
 * into few NOTIFYs (after commit: the buses publish stored records), and publishes what others send into
 * the viewers' buses if it watches that data source.
 */
export class LiveRelay {
  readonly #options: LiveRelayOptions;
  /** Tags this process's items and announcements, so it ignores its own. */
  readonly #origin = randomBytes(6).toString("base64url");
  readonly #interests: WatchInterests;
  readonly #batched: BatchedNotifier;
  readonly #maxPayloadBytes: number;
  readonly #stops: (() => unknown)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #answerQueued = false;
  #running = false;
  #stats = { sent: 0, received: 0, skipped: 0, malformed: 0 };

  constructor(options: LiveRelayOptions) {
    this.#options = options;
    const announceMs = options.announceIntervalMs ?? 2000;
    const ttlMs = options.interestTtlMs ?? announceMs * 3;
    if (!(announceMs < ttlMs))
      throw new RangeError(`announceIntervalMs (${announceMs}) must be less than interestTtlMs (${ttlMs})`);
    this.#interests = new WatchInterests(ttlMs);
    this.#maxPayloadBytes = options.maxPayloadBytes ?? MAX_NOTIFY_PAYLOAD_BYTES;
    this.#batched = new BatchedNotifier({
      send: (channel, payload) => options.notifier.notify(channel, payload),
      intervalMs: options.batchIntervalMs ?? 50,
      maxPayloadBytes: this.#maxPayloadBytes,
      ...(options.logger && { logger: options.logger }),
    });
  }

  get stats(): LiveRelayStats {
    return { ...this.#stats };
  }

  /** True when another instance's unexpired announcement says it watches `dataSourceId`. */
  watchedElsewhere(dataSourceId: string): boolean {
    return this.#interests.wants(dataSourceId);
  }

  /** Listens, then announces what this instance watches and asks the others to announce theirs. */
  async start(): Promise<void> {
    const { notifier, records, feedback } = this.#options;
    this.#running = true;
    this.#stops.push(
      await notifier.listen(LIVE_CHANNEL, { onMessage: (payload) => this.#received(payload) }),
      await notifier.listen(LIVE_INTEREST_CHANNEL, {
        onMessage: (payload) => this.#announced(payload),
        // Announcements may have been missed: everyone says again what they watch.
        onMissed: () => this.#send({ ...this.#announcement(), ask: true }),
      }),
      records.subscribe((record) => this.#relay({ origin: this.#origin, kind: "record", record })),
      feedback.subscribe((report) => this.#relay({ origin: this.#origin, kind: "feedback", report })),
    );
    await this.#send({ ...this.#announcement(), ask: true });
    this.#scheduleAnnounce();
  }

  /** Says now what this instance watches: call it when a viewer starts watching a data source. */
  async announce(): Promise<void> {
    if (this.#running) await this.#send(this.#announcement());
  }

  /** Stops relaying, sends what is queued, and tells the others this instance watches nothing. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    clearTimeout(this.#timer);
    for (const stop of this.#stops.splice(0)) await stop();
    await this.#batched.stop();
    await this.#send({ from: this.#origin, gone: true });
  }

  #relay(item: LiveItem): void {
    const dataSourceId = item.kind === "record" ? item.record.dataSourceId : item.report.dataSourceId;
    if (!this.#interests.wants(dataSourceId)) return;
    try {
      this.#batched.add(LIVE_CHANNEL, encodeLiveItem(item));
      this.#stats.sent++;
    } catch (error) {
      // Too large for one NOTIFY: viewers elsewhere miss it, the relay goes on.
      this.#stats.skipped++;
      this.#options.logger?.warn("live item not relayed to other instances", {
        dataSource: dataSourceId,
        kind: item.kind,
        reason: (error as Error).message,
      });
    }
  }

  #received(payload: string): void {
    let items: unknown;
    try {
      items = JSON.parse(payload);
    } catch {
      items = undefined;
    }
    if (!Array.isArray(items)) {
      this.#malformed("live payload");
      return;
    }
    const watched = this.#options.watchedHere();
    for (const wire of items) {
      const item = decodeLiveItem(wire);
      if (!item) {
        this.#malformed("live item");
        continue;
      }
      if (item.origin === this.#origin) continue;
      const id = item.kind === "record" ? item.record.dataSourceId : item.report.dataSourceId;
      if (watched !== "all" && !watched.has(id)) continue;
      this.#stats.received++;
      if (item.kind === "record") this.#options.viewerRecords.publish(item.record);
      else this.#options.viewerFeedback.publish(item.report);
    }
  }

  #announced(payload: string): void {
    const message = parseAnnouncement(payload);
    if (!message) {
      this.#malformed("watch announcement");
      return;
    }
    if (message.from === this.#origin) return;
    if (message.gone) this.#interests.remove(message.from);
    else if (message.watch)
      this.#interests.renew(message.from, message.watch === "all" ? "all" : new Set(message.watch));
    if (message.ask) this.#answerSoon();
  }

  /** Several instances asking at once get one answer. */
  #answerSoon(): void {
    if (this.#answerQueued) return;
    this.#answerQueued = true;
    queueMicrotask(() => {
      this.#answerQueued = false;
      this.announce().catch(() => {});
    });
  }

  #announcement(): Announcement {
    const watched = this.#options.watchedHere();
    const message: Announcement = { from: this.#origin, watch: watched === "all" ? "all" : [...watched] };
    // Too many to list in one NOTIFY: asking for all costs traffic, never a missed record.
    const fits =
      Buffer.byteLength(JSON.stringify({ ...message, ask: true }), "utf8") <= this.#maxPayloadBytes;
    return fits ? message : { from: this.#origin, watch: "all" };
  }

  async #send(message: Announcement): Promise<void> {
    try {
      await this.#options.notifier.notify(LIVE_INTEREST_CHANNEL, JSON.stringify(message));
    } catch (error) {
      this.#options.logger?.warn("watch announcement not sent", { reason: (error as Error).message });
    }
  }

  #scheduleAnnounce(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.announce().finally(() => this.#scheduleAnnounce());
    }, this.#options.announceIntervalMs ?? 2000);
  }

  #malformed(what: string): void {
    this.#stats.malformed++;
    this.#options.logger?.warn(`a ${what} from another instance could not be read`);
  }
}

function parseAnnouncement(payload: string): Announcement | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { from, watch, gone, ask } = value as Record<string, unknown>;
  if (typeof from !== "string") return undefined;
  const listed = Array.isArray(watch) && watch.every((id) => typeof id === "string");
  if (gone === true) return { from, gone };
  if (watch !== "all" && !listed) return undefined;
  return { from, watch: watch as readonly string[] | "all", ...(ask === true && { ask }) };
}
