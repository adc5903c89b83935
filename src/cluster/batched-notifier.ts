import type { Logger } from "../platform/logger.ts";
import { checkChannel, MAX_NOTIFY_PAYLOAD_BYTES } from "./notify-payload.ts";

export interface BatchedNotifierOptions {
  /** Sends one payload (a JSON array of items) on a channel: PgNotifier#notify, say. */
  readonly send: (channel: string, payload: string) => Promise<void>;
  /** At most one round of notifications per this many ms; items wait at most this long. */
  readonly intervalMs: number;
  /** Largest payload (default PostgreSQL's limit); smaller in tests. */
  readonly maxPayloadBytes?: number;
  readonly logger?: Logger;
}

/**
 * Collects JSON items per channel and sends them as JSON arrays, as few per channel as fit under the
 * payload limit, in rounds at most every `intervalMs`. Rounds go one after the other, so each channel's
 * items arrive in the order they were added. A failed send is logged: live notifications are not stored.
 */
export class BatchedNotifier {
  readonly #options: BatchedNotifierOptions;
  readonly #maxBytes: number;
  /** Per channel, items already serialised (so a later change to the caller's object is not sent). */
  #pending = new Map<string, string[]>();
  #timer: NodeJS.Timeout | undefined;
  #lastRoundAt = Number.NEGATIVE_INFINITY;
  #rounds: Promise<void> = Promise.resolve();

  constructor(options: BatchedNotifierOptions) {
    this.#options = options;
    this.#maxBytes = options.maxPayloadBytes ?? MAX_NOTIFY_PAYLOAD_BYTES;
    if (this.#maxBytes > MAX_NOTIFY_PAYLOAD_BYTES) {
      throw new RangeError(
        `maxPayloadBytes ${this.#maxBytes} exceeds PostgreSQL's ${MAX_NOTIFY_PAYLOAD_BYTES}`,
      );
    }
  }

  /** Queues `item` on `channel`; throws (and queues nothing) when it could never be sent. */
  add(channel: string, item: unknown): void {
    checkChannel(channel);
    const json = JSON.stringify(item);
    if (json === undefined)
      throw new TypeError(`a notification item must be a JSON value, not ${typeof item}`);
    // Alone in its array: "[" + item + "]".
    const bytes = Buffer.byteLength(json, "utf8") + 2;
    if (bytes > this.#maxBytes) {
      throw new RangeError(
        `notification item for channel "${channel}" takes ${bytes} bytes as a payload; at most ${this.#maxBytes} fit`,
      );
    }
    const items = this.#pending.get(channel);
    if (items) items.push(json);
    else this.#pending.set(channel, [json]);
    this.#schedule();
  }

  /** Sends everything queued now, after any round under way; resolves when it has been sent. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = new Map();
    this.#lastRoundAt = performance.now();
    this.#rounds = this.#rounds.then(() => this.#sendRound(batch));
    return this.#rounds;
  }

  /** Sends what is queued and schedules nothing more. */
  async stop(): Promise<void> {
    await this.flush();
  }

  #schedule(): void {
    if (this.#timer) return;
    // Right after a quiet spell: on the next turn, so that items added in this turn share the payload.
    const wait = Math.max(0, this.#lastRoundAt + this.#options.intervalMs - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch(() => {});
    }, wait);
  }

  async #sendRound(batch: Map<string, string[]>): Promise<void> {
    for (const [channel, items] of batch) {
      for (const payload of packPayloads(items, this.#maxBytes)) {
        try {
          await this.#options.send(channel, payload);
        } catch (error) {
          this.#options.logger?.warn("live notification not sent", {
            channel,
            reason: (error as Error).message,
          });
        }
      }
    }
  }
}

/** Splits serialised items, in order, into the fewest JSON arrays of at most `maxBytes` each (greedy). */
export function packPayloads(items: readonly string[], maxBytes: number): string[] {
  const payloads: string[] = [];
  let current: string[] = [];
  let currentBytes = 2; // "[" and "]"
  for (const item of items) {
    const bytes = Buffer.byteLength(item, "utf8");
    // A comma before every item but the first.
    const added = current.length === 0 ? bytes : bytes + 1;
    if (current.length > 0 && currentBytes + added > maxBytes) {
      payloads.push(`[${current.join(",")}]`);
      current = [];
      currentBytes = 2;
    }
    current.push(item);
    currentBytes += current.length === 1 ? bytes : bytes + 1;
  }
  if (current.length > 0) payloads.push(`[${current.join(",")}]`);
  return payloads;
}
