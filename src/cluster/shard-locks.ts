import type pg from "pg";
import type { Logger } from "../platform/logger.ts";
import { closeSession, openDedicatedSession } from "./dedicated-session.ts";
import { Lease } from "./lease.ts";
import { SHARD_COUNT, shardOf } from "./shard-of.ts";
import { withTimeout } from "./with-timeout.ts";

/** Advisory lock namespace (first int4 key) of the shards; the next number is the namespace of presence. */
const DEFAULT_NAMESPACE = 0x41494430; // "AID0"

export interface ShardLocksOptions {
  readonly url: string;
  /** This instance's id, shown in pg_stat_activity and used to spread first choices. */
  readonly holder: string;
  readonly shardCount?: number;
  /** Shard locks are pg_advisory_lock(namespace, shard); presence is (namespace + 1, backend pid). */
  readonly namespace?: number;
  /** How often the share is recounted, shards taken or released; also the heartbeat (default 1 s). */
  readonly rebalanceIntervalMs?: number;
  /** Longest wait for any query's answer (default 1.5 s). */
  readonly queryTimeoutMs?: number;
  /** Shards are owned this long after the last confirmed round (default 4 s). Less than idleSessionTimeoutMs. */
  readonly leaseMs?: number;
  /** The server ends a session silent this long, releasing a frozen instance's shards (default 6 s). */
  readonly idleSessionTimeoutMs?: number;
  /** This instance now owns `shard`: start its work. */
  readonly onGained?: (shard: number) => void;
  /** This instance no longer owns `shard`: stop its work. Awaited before a shard is handed over voluntarily. */
  readonly onLost?: (shard: number) => void | Promise<void>;
  readonly logger?: Logger;
}

/**
 * Spreads a fixed set of shards over the live instances with advisory locks on a session of each
 * instance's own. Live instances are counted from presence locks in pg_locks: a crashed instance's
 * session ends and it stops counting at once; a frozen one's when the server's idle timeout ends it.
 * Each round an instance takes free shards up to its fair share (ceil(shards / instances)) and releases
 * any above it, so shards move to newcomers and orphans are taken.
 */
export class ShardLocks {
  readonly #options: ShardLocksOptions;
  readonly #shardCount: number;
  readonly #namespace: number;
  readonly #intervalMs: number;
  readonly #queryTimeoutMs: number;
  readonly #idleSessionTimeoutMs: number;
  readonly #lease: Lease;
  /** Order in which this instance prefers shards: rotated by its id, so instances starting at once collide less. */
  readonly #preference: number[];
  readonly #owned = new Set<number>();
  #session: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: ShardLocksOptions) {
    this.#options = options;
    this.#shardCount = options.shardCount ?? SHARD_COUNT;
    this.#namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.#intervalMs = options.rebalanceIntervalMs ?? 1000;
    this.#queryTimeoutMs = options.queryTimeoutMs ?? 1500;
    this.#idleSessionTimeoutMs = options.idleSessionTimeoutMs ?? 6000;
    const leaseMs = options.leaseMs ?? 4000;
    if (!Number.isInteger(this.#shardCount) || this.#shardCount < 1) {
      throw new RangeError(`shardCount must be a positive integer: ${this.#shardCount}`);
    }
    if (!(leaseMs < this.#idleSessionTimeoutMs)) {
      throw new RangeError(
        `leaseMs (${leaseMs}) must be less than idleSessionTimeoutMs (${this.#idleSessionTimeoutMs})`,
      );
    }
    if (!(this.#intervalMs + this.#queryTimeoutMs < leaseMs)) {
      throw new RangeError(
        `rebalanceIntervalMs + queryTimeoutMs (${this.#intervalMs + this.#queryTimeoutMs}) must be less than leaseMs (${leaseMs})`,
      );
    }
    this.#lease = new Lease(leaseMs, () => this.#loseAll("the lease ran out without a confirmed round"));
    const first = shardOf(options.holder, this.#shardCount);
    this.#preference = Array.from({ length: this.#shardCount }, (_, i) => (first + i) % this.#shardCount);
  }

  /** Starts taking part (a first round at once). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** True while this instance holds `shard` with a lease not yet run out. */
  ownsShard(shard: number): boolean {
    return this.#owned.has(shard) && this.#lease.valid();
  }

  /** The shards this instance holds now, ascending. */
  ownedShards(): number[] {
    return this.#lease.valid() ? [...this.#owned].sort((a, b) => a - b) : [];
  }

  /** Gives up every shard (onLost for each) and ends the session, which releases the locks. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    const session = this.#session;
    this.#session = undefined;
    this.#loseAll("stopped");
    if (session)
      await withTimeout(session.end(), this.#queryTimeoutMs, "ending the shard session").catch(() => {});
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.#round()
        .catch((error: Error) => {
          this.#loseAll(`round failed: ${error.message}`);
          this.#options.logger?.warn("shard round failed", { reason: error.message });
        })
        .finally(() => this.#schedule(this.#intervalMs));
    }, delayMs);
  }

  async #round(): Promise<void> {
    // A lease that ran out (the process was frozen) is not renewed: the shards may be someone else's by now.
    if (this.#owned.size > 0 && !this.#lease.valid())
      this.#loseAll("the lease ran out without a confirmed round");
    const session = this.#session ?? (await this.#openSession());
    const sentAt = performance.now();
    const { live, taken } = await this.#query(session, this.#census());
    if (session !== this.#session) return;
    this.#lease.confirm(sentAt);
    const fairShare = Math.ceil(this.#shardCount / Math.max(1, live));
    if (this.#owned.size > fairShare) await this.#release(session, this.#owned.size - fairShare);
    else if (this.#owned.size < fairShare) await this.#take(session, fairShare - this.#owned.size, taken);
  }

  /** Live participants (presence locks) and shards anyone holds, in this database only. */
  async #census(): Promise<{ live: number; taken: Set<number> }> {
    const session = this.#session;
    if (!session) throw new Error("the shard session is gone");
    const result = await session.query<{ classid: string; objid: string }>(
      `SELECT classid::text, objid::text FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid IN ($1::bigint::oid, $2::bigint::oid)
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [this.#namespace, this.#namespace + 1],
    );
    let live = 0;
    const taken = new Set<number>();
    for (const row of result.rows) {
      if (Number(row.classid) === this.#namespace + 1) live += 1;
      else taken.add(Number(row.objid));
    }
    return { live, taken };
  }

  async #take(session: pg.Client, wanted: number, taken: Set<number>): Promise<void> {
    let still = wanted;
    for (const shard of this.#preference) {
      if (still === 0) return;
      if (this.#owned.has(shard) || taken.has(shard)) continue;
      const result = await this.#query(
        session,
        session.query<{ got: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS got", [
          this.#namespace,
          shard,
        ]),
      );
      if (session !== this.#session) return;
      if (result.rows[0]?.got !== true) continue;
      this.#owned.add(shard);
      still -= 1;
      this.#options.onGained?.(shard);
    }
  }

  async #release(session: pg.Client, count: number): Promise<void> {
    const extras = this.#preference.filter((shard) => this.#owned.has(shard)).slice(-count);
    for (const shard of extras) {
      this.#owned.delete(shard);
      // Its work stops before the lock is released, so no other instance runs it at the same time.
      await this.#options.onLost?.(shard);
      await this.#query(
        session,
        session.query("SELECT pg_advisory_unlock($1, $2)", [this.#namespace, shard]),
      );
    }
  }

  async #openSession(): Promise<pg.Client> {
    const session = await openDedicatedSession(this.#options.url, {
      applicationName: `aiida-hub ${this.#options.holder} shards`,
      idleSessionTimeoutMs: this.#idleSessionTimeoutMs,
      statementTimeoutMs: this.#queryTimeoutMs,
    });
    session.once("end", () => {
      if (session === this.#session) this.#loseAll("the shard session ended");
    });
    this.#session = session;
    try {
      // Presence: this session counts as one live instance for as long as it lasts.
      await this.#query(
        session,
        session.query("SELECT pg_advisory_lock($1, pg_backend_pid())", [this.#namespace + 1]),
      );
    } catch (error) {
      this.#loseAll("presence lock failed");
      throw error;
    }
    return session;
  }

  #query<T>(session: pg.Client, query: Promise<T>): Promise<T> {
    return withTimeout(
      query,
      this.#queryTimeoutMs,
      `query on the shard session of ${this.#options.holder}`,
    ).catch((error: Error) => {
      if (session === this.#session) this.#loseAll(error.message);
      throw error;
    });
  }

  #loseAll(reason: string): void {
    const session = this.#session;
    this.#session = undefined;
    this.#lease.end();
    const lost = [...this.#owned];
    this.#owned.clear();
    // The locks might still be held on the session: they go with it.
    if (session) closeSession(session);
    if (lost.length > 0)
      this.#options.logger?.warn("lost shards", { holder: this.#options.holder, lost, reason });
    for (const shard of lost) {
      try {
        const stopping = this.#options.onLost?.(shard);
        if (stopping) stopping.catch(() => {});
      } catch {
        // A failing callback must not keep the remaining shards' work running.
      }
    }
  }
}
