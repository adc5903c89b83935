import type pg from "pg";
import type { Logger } from "../platform/logger.ts";
import { closeSession, openDedicatedSession } from "./dedicated-session.ts";
import { takeNextTerm } from "./leader-term.ts";
import { Lease } from "./lease.ts";
import { withTimeout } from "./with-timeout.ts";

export interface LeaderLockOptions {
  readonly url: string;
  /** The advisory lock key (pg_try_advisory_lock(bigint)) of the one job this lock guards. */
  readonly key: number;
  /** This instance's id: recorded with each term, and shown in pg_stat_activity. */
  readonly holder: string;
  /** A leader's SELECT 1 this often (default 2 s). */
  readonly heartbeatIntervalMs?: number;
  /** Longest wait for any query's answer (default 1.5 s). */
  readonly queryTimeoutMs?: number;
  /** A leader acts this long after its last confirmed heartbeat (default 6 s). Less than idleSessionTimeoutMs. */
  readonly leaseMs?: number;
  /** The server ends a session silent this long, releasing the lock of a frozen holder (default 8 s). */
  readonly idleSessionTimeoutMs?: number;
  /** A standby tries this often (default 1 s). */
  readonly retryIntervalMs?: number;
  /** This instance has become the leader, with a new term (fencing: assertLeaderTerm). */
  readonly onAcquired?: (term: number) => void;
  /** This instance has stopped being the leader; its work must stop now. */
  readonly onLost?: (reason: string) => void;
  readonly logger?: Logger;
}

/** What a guarded job step gets: the term to fence its transactions with, and a signal aborted on loss. */
export interface LeaderFence {
  readonly key: number;
  readonly term: number;
  readonly signal: AbortSignal;
}

/**
 * A singleton job's leadership: pg_try_advisory_lock on a session of its own, confirmed by heartbeats.
 * isLeader() turns false as soon as a heartbeat fails or the lease runs out, which it does before the
 * server's idle_session_timeout can hand the lock to a standby: an old leader stops before a new one starts.
 */
export class LeaderLock {
  readonly #key: number;
  readonly #options: LeaderLockOptions;
  readonly #heartbeatMs: number;
  readonly #queryTimeoutMs: number;
  readonly #idleSessionTimeoutMs: number;
  readonly #retryMs: number;
  readonly #lease: Lease;
  #session: pg.Client | undefined;
  #leading: { term: number; abort: AbortController } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: LeaderLockOptions) {
    if (!Number.isSafeInteger(options.key))
      throw new RangeError(`leader lock key must be a safe integer: ${options.key}`);
    this.#key = options.key;
    this.#options = options;
    this.#heartbeatMs = options.heartbeatIntervalMs ?? 2000;
    this.#queryTimeoutMs = options.queryTimeoutMs ?? 1500;
    this.#idleSessionTimeoutMs = options.idleSessionTimeoutMs ?? 8000;
    this.#retryMs = options.retryIntervalMs ?? 1000;
    const leaseMs = options.leaseMs ?? 6000;
    if (!(leaseMs < this.#idleSessionTimeoutMs)) {
      throw new RangeError(
        `leaseMs (${leaseMs}) must be less than idleSessionTimeoutMs (${this.#idleSessionTimeoutMs})`,
      );
    }
    if (!(this.#heartbeatMs + this.#queryTimeoutMs < leaseMs)) {
      throw new RangeError(
        `heartbeatIntervalMs + queryTimeoutMs (${this.#heartbeatMs + this.#queryTimeoutMs}) must be less than leaseMs (${leaseMs})`,
      );
    }
    this.#lease = new Lease(leaseMs, () => this.#lose("the lease ran out without a confirmed heartbeat"));
  }

  /** Starts trying to lead (at once, then every retry interval while standing by). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** True while this instance holds the lock with a lease not yet run out. */
  isLeader(): boolean {
    return this.#leading !== undefined && this.#lease.valid();
  }

  /** The current term while leading. */
  get term(): number | undefined {
    return this.isLeader() ? this.#leading?.term : undefined;
  }

  /** Runs one job step if (and only if) this instance leads now; undefined when it did not run it. */
  async runIfLeader<T>(work: (fence: LeaderFence) => Promise<T>): Promise<T | undefined> {
    const leading = this.#leading;
    if (!leading || !this.#lease.valid()) {
      // A holder woken from a freeze learns it here, before its timers have run.
      if (leading) this.#lose("the lease ran out without a confirmed heartbeat");
      return undefined;
    }
    return work({ key: this.#key, term: leading.term, signal: leading.abort.signal });
  }

  /** Stops leading (onLost first) and standing by; the lock is released when the session ends. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    const session = this.#session;
    this.#session = undefined;
    this.#lose("stopped");
    if (session)
      await withTimeout(session.end(), this.#queryTimeoutMs, "ending the lock session").catch(() => {});
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      const step = this.#leading ? this.#heartbeat() : this.#tryToLead();
      step.catch((error: Error) =>
        this.#options.logger?.error("leader lock step failed", { reason: error.message }),
      );
    }, delayMs);
  }

  async #tryToLead(): Promise<void> {
    try {
      const session = this.#session ?? (await this.#openSession());
      const sentAt = performance.now();
      const result = await withTimeout(
        session.query<{ got: boolean }>("SELECT pg_try_advisory_lock($1) AS got", [this.#key]),
        this.#queryTimeoutMs,
        "pg_try_advisory_lock",
      );
      if (!this.#running || session !== this.#session) return;
      if (result.rows[0]?.got === true) {
        const term = await withTimeout(
          takeNextTerm(session, this.#key, this.#options.holder),
          this.#queryTimeoutMs,
          "taking the next term",
        );
        if (!this.#running || session !== this.#session) return;
        this.#lease.confirm(sentAt);
        this.#leading = { term, abort: new AbortController() };
        this.#options.logger?.info("became leader", { key: this.#key, term });
        this.#options.onAcquired?.(term);
        this.#schedule(this.#heartbeatMs);
        return;
      }
    } catch (error) {
      // Holding the lock without a term would block every other instance: the session goes, and with it the lock.
      this.#dropSession();
      this.#options.logger?.warn("could not try the leader lock", { reason: (error as Error).message });
    }
    this.#schedule(this.#retryMs);
  }

  async #heartbeat(): Promise<void> {
    const session = this.#session;
    if (!session) return this.#lose("the lock session is gone");
    // A lease that ran out (the process was frozen) is not renewed: leadership ends as isLeader() said.
    if (!this.#lease.valid()) return this.#lose("the lease ran out without a confirmed heartbeat");
    const sentAt = performance.now();
    try {
      await withTimeout(session.query("SELECT 1"), this.#queryTimeoutMs, "heartbeat");
    } catch (error) {
      return this.#lose(`heartbeat failed: ${(error as Error).message}`);
    }
    if (session !== this.#session || !this.#leading) return;
    this.#lease.confirm(sentAt);
    this.#schedule(this.#heartbeatMs);
  }

  async #openSession(): Promise<pg.Client> {
    const session = await openDedicatedSession(this.#options.url, {
      applicationName: `aiida-hub ${this.#options.holder} leader ${this.#key}`,
      idleSessionTimeoutMs: this.#idleSessionTimeoutMs,
      statementTimeoutMs: this.#queryTimeoutMs,
    });
    session.once("end", () => {
      if (session !== this.#session) return;
      if (this.#leading) this.#lose("the lock session ended");
      else this.#dropSession();
    });
    this.#session = session;
    return session;
  }

  #dropSession(): void {
    const session = this.#session;
    this.#session = undefined;
    if (session) closeSession(session);
  }

  #lose(reason: string): void {
    const leading = this.#leading;
    if (!leading) return;
    this.#leading = undefined;
    this.#lease.end();
    leading.abort.abort(new Error(`leadership lost: ${reason}`));
    // The lock might still be held on the session (a late heartbeat): it goes with the session.
    this.#dropSession();
    this.#options.logger?.warn("stopped being leader", { key: this.#key, reason });
    this.#options.onLost?.(reason);
    this.#schedule(this.#retryMs);
  }
}
