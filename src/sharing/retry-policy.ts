/** How often a step that failed for a passing reason (network, timeout, 5xx) is tried again. */
export interface RetryPolicy {
  /** Wait after the first failure. */
  readonly firstDelayMs: number;
  /** The wait doubles after each failure up to this. */
  readonly maxDelayMs: number;
}

/** 2 s, 4 s, 8 s, … up to 10 minutes: quick after a blip, gentle on an EDDIE that is down for long. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { firstDelayMs: 2_000, maxDelayMs: 600_000 };

/**
 * The wait after `failures` failed tries (1 or more): doubling from the first delay, capped, and up to
 * a fifth shorter at random, so that permissions that failed together do not all retry at one instant.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  failures: number,
  random: () => number = Math.random,
): number {
  const doubled = policy.firstDelayMs * 2 ** Math.min(Math.max(failures - 1, 0), 40);
  const capped = Math.min(doubled, policy.maxDelayMs);
  return Math.round(capped * (1 - 0.2 * random()));
}
