/** What the limiter says about one message. */
export type RateDecision =
  | { readonly kind: "now" }
  | { readonly kind: "wait"; readonly ms: number }
  | { readonly kind: "reject" };

/**
 * A token bucket per device, kept across reconnects (a reconnecting device gets no fresh burst;
 * one small entry per data source). Messages over the sustained rate wait (flow control: the broker stops
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
    // Never negative: a clock stepped back (NTP) would otherwise drain the bucket for as long as the step.
    const elapsedMs = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.burst, bucket.tokens + (elapsedMs * this.perSecond) / 1000);
    bucket.at = now;
    this.buckets.set(deviceId, bucket);
    const waitMs = bucket.tokens >= 1 ? 0 : ((1 - bucket.tokens) * 1000) / this.perSecond;
    if (droppable && waitMs > this.maxWaitMs) return { kind: "reject" };
    bucket.tokens -= 1;
    return waitMs === 0 ? { kind: "now" } : { kind: "wait", ms: Math.ceil(waitMs) };
  }
}
