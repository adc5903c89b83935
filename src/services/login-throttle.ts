/** How long one kind of key (an address or an account) may try before it has to wait. */
export interface ThrottlePolicy {
  /** Failed logins allowed; the last of them starts the first wait. */
  readonly freeFailures: number;
  /** The longest wait, in milliseconds; each further failure doubles the wait up to this. */
  readonly maxLockMs: number;
}

/** Per source address: an attacker's own address waits up to 5 minutes between guesses. */
export const ADDRESS_POLICY: ThrottlePolicy = { freeFailures: 5, maxLockMs: 300_000 };
/**
 * Per account, across addresses: capped at 30 s, so an attacker with many addresses cannot keep the
 * admin out for long, and addresses that logged in before are exempt from it altogether.
 */
export const ACCOUNT_POLICY: ThrottlePolicy = { freeFailures: 10, maxLockMs: 30_000 };

/** Failures are forgotten after this long without a new one. */
const FORGET_AFTER_MS = 15 * 60_000;
/** Most keys tracked per kind; the stalest are dropped first, so a spray of addresses cannot grow memory. */
const MAX_KEYS = 10_000;
/** Most addresses remembered as having logged in successfully. */
const MAX_TRUSTED = 1_000;

interface Failures {
  count: number;
  lastAt: number;
  lockedUntil: number;
}

/** A refusal to check a password now: how long to wait, and which limit said so. */
export interface ThrottleVerdict {
  readonly retryAfterMs: number;
  readonly limitedBy: "address" | "account";
}

/** A lock that a failure has just started, for the log. */
export interface LockStarted extends ThrottleVerdict {
  readonly failures: number;
}

/** Exponential back-off of admin logins per source address and per account. */
export class LoginThrottle {
  private readonly addresses = new Map<string, Failures>();
  private readonly accounts = new Map<string, Failures>();
  private readonly trusted = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Undefined when this address may try this account now; otherwise how long it must wait. */
  check(address: string, account: string): ThrottleVerdict | undefined {
    const now = this.now();
    const byAddress = waitOf(this.addresses.get(address), now);
    if (byAddress > 0) return { retryAfterMs: byAddress, limitedBy: "address" };
    if (this.trusted.has(address)) return undefined;
    const byAccount = waitOf(this.accounts.get(account), now);
    if (byAccount > 0) return { retryAfterMs: byAccount, limitedBy: "account" };
    return undefined;
  }

  /** Counts a failed login; returns the lock it started, if it started one. */
  failed(address: string, account: string): LockStarted | undefined {
    const now = this.now();
    const byAddress = count(this.addresses, address, ADDRESS_POLICY, now);
    const byAccount = count(this.accounts, account, ACCOUNT_POLICY, now);
    if (byAddress.lockedUntil > now)
      return { retryAfterMs: byAddress.lockedUntil - now, limitedBy: "address", failures: byAddress.count };
    if (byAccount.lockedUntil > now && !this.trusted.has(address))
      return { retryAfterMs: byAccount.lockedUntil - now, limitedBy: "account", failures: byAccount.count };
    return undefined;
  }

  /** A successful login clears both counts and exempts the address from the account's lock from now on. */
  succeeded(address: string, account: string): void {
    this.addresses.delete(address);
    this.accounts.delete(account);
    this.trusted.delete(address);
    this.trusted.add(address);
    if (this.trusted.size > MAX_TRUSTED) this.trusted.delete(this.trusted.values().next().value as string);
  }
}

function waitOf(failures: Failures | undefined, now: number): number {
  return failures ? Math.max(0, failures.lockedUntil - now) : 0;
}

function count(map: Map<string, Failures>, key: string, policy: ThrottlePolicy, now: number): Failures {
  const previous = map.get(key);
  const fresh = !previous || now - previous.lastAt > FORGET_AFTER_MS;
  const failures: Failures = fresh ? { count: 0, lastAt: now, lockedUntil: 0 } : previous;
  failures.count += 1;
  failures.lastAt = now;
  // The failure that uses up the free ones starts the first wait; each one after doubles it.
  const over = failures.count - policy.freeFailures;
  if (over >= 0) failures.lockedUntil = now + Math.min(policy.maxLockMs, 1000 * 2 ** Math.min(over, 30));
  // Re-inserting keeps the map in order of last failure, so the first key is the stalest.
  map.delete(key);
  map.set(key, failures);
  if (map.size > MAX_KEYS) map.delete(map.keys().next().value as string);
  return failures;
}
