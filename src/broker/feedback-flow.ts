import { type FeedbackItem, MAX_QUEUED_FEEDBACK } from "./device-sessions.ts";

/** Sends one feedback report; `packetId` is set for QoS 1. */
export type FeedbackSend = (item: FeedbackItem, packetId: number | undefined) => void;

/**
 * Feedback reports on their way to one connected device: at QoS 1 at most the device's Receive Maximum
 * unacknowledged at once, the rest waiting in order (the newest MAX_QUEUED_FEEDBACK of them).
 */
export class FeedbackFlow {
  private readonly inflight = new Map<number, FeedbackItem>();
  private waiting: FeedbackItem[] = [];
  private lastPacketId = 0;
  /** Reports dropped because too many waited; the caller logs them. */
  dropped = 0;

  constructor(
    private readonly send: FeedbackSend,
    private readonly receiveMaximum: number,
  ) {}

  offer(item: FeedbackItem, qos: 0 | 1): void {
    if (qos === 0) {
      this.send(item, undefined);
      return;
    }
    if (this.inflight.size < this.receiveMaximum) {
      this.dispatch(item);
      return;
    }
    this.waiting.push(item);
    if (this.waiting.length > MAX_QUEUED_FEEDBACK) {
      this.waiting.shift();
      this.dropped++;
    }
  }

  /** The device acknowledged a report; returns it, or undefined for an id not in flight. */
  acknowledged(packetId: number): FeedbackItem | undefined {
    const item = this.inflight.get(packetId);
    if (!item) return undefined;
    this.inflight.delete(packetId);
    const next = this.waiting.shift();
    if (next) this.dispatch(next);
    return item;
  }

  /** Everything not yet acknowledged, oldest first; the flow is empty afterwards. */
  takeUndelivered(): FeedbackItem[] {
    const all = [...this.inflight.values(), ...this.waiting];
    this.inflight.clear();
    this.waiting = [];
    return all;
  }

  private dispatch(item: FeedbackItem): void {
    const packetId = this.freePacketId();
    this.inflight.set(packetId, item);
    this.send(item, packetId);
  }

  /** Packet ids 1..65535, skipping those still in flight (at most receiveMaximum of them). */
  private freePacketId(): number {
    do {
      this.lastPacketId = (this.lastPacketId % 0xffff) + 1;
    } while (this.inflight.has(this.lastPacketId));
    return this.lastPacketId;
  }
}
