/** What the limiter says about one message. */
export type RateDecision =
  | { readonly kind: "now" }
  | { readonly kind: "wait"; readonly ms: number }
  | { readonly kind: "reject" };

/**
 * A token bucket per device. Messages over the sustained rate wait (flow control: the broker stops
 * reading that device's socket meanwhile). Messages that may be dropped (QoS 0) are rejected instead
 * once the wait would exceed `maxWaitMs`; acknowledged ones (QoS 1/2) always wait, so none is lost.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxWaitMs: number,
  ) {}

  take(deviceId: string, now: number, droppable: boolean): RateDecision {
    const bucket = this.buckets.get(deviceId) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.perSecond) / 1000);
    bucket.at = now;
    this.buckets.set(deviceId, bucket);
    const waitMs = bucket.tokens >= 1 ? 0 : ((1 - bucket.tokens) * 1000) / this.perSecond;
    if (droppable && waitMs > this.maxWaitMs) return { kind: "reject" };
    bucket.tokens -= 1;
    return waitMs === 0 ? { kind: "now" } : { kind: "wait", ms: Math.ceil(waitMs) };
  }

  forget(deviceId: string): void {
    this.buckets.delete(deviceId);
  }
}
