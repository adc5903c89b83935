import type { PgNotifier } from "../cluster/pg-notifier.ts";
import { ShardLocks } from "../cluster/shard-locks.ts";
import { SHARD_COUNT, shardOf } from "../cluster/shard-of.ts";
import type { Logger } from "../platform/logger.ts";

/** The channel on which an instance tells the others that a permission changed (payload: its id). */
export const PERMISSION_CHANGES_CHANNEL = "aiida_permission";

/** The work of the permissions an instance looks after: their timers and their streams. */
export interface PermissionWork {
  /** This instance looks after the permissions `belonging` from now on: resume them. */
  takeOver(belonging: (permissionId: string) => boolean): Promise<void>;
  /** Another instance looks after them from now on: their work stops here. */
  letGo(belonging: (permissionId: string) => boolean): Promise<void>;
  /** Another instance changed a permission this one looks after: look at it again. */
  look(permissionId: string): Promise<void>;
}

export interface PermissionShardsOptions {
  readonly url: string;
  /** This instance's id. */
  readonly holder: string;
  readonly notifier: Pick<PgNotifier, "listen" | "notify">;
  readonly logger: Logger;
  /** How often shards are counted and taken (default 0.5 s: a dead instance's streams move on within ~1 s). */
  readonly rebalanceIntervalMs?: number;
  readonly shardCount?: number;
}

/**
 * Spreads the permissions over the hub instances on one database by a fixed set of shard locks
 * (ShardLocks): the instance holding a permission's shard runs its timers and streams it; a shard whose
 * instance dies (or freezes) is taken by another, which resumes its permissions from the database. A
 * change made on another instance (a user's revoke, EDDIE's credentials) reaches the owner by NOTIFY.
 * It is the sharing side's PermissionPlacement (owns, changed), by shape: this folder does not import it.
 */
export class PermissionShards {
  readonly #options: PermissionShardsOptions;
  readonly #shardCount: number;
  readonly #locks: ShardLocks;
  #work: PermissionWork | undefined;
  /** Shards taken whose permissions are not resumed yet, and the take-over running now. */
  readonly #gained = new Set<number>();
  #takingOver: Promise<void> | undefined;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(options: PermissionShardsOptions) {
    this.#options = options;
    this.#shardCount = options.shardCount ?? SHARD_COUNT;
    const inShard = (shard: number) => (id: string) => shardOf(id, this.#shardCount) === shard;
    this.#locks = new ShardLocks({
      url: options.url,
      holder: options.holder,
      shardCount: this.#shardCount,
      rebalanceIntervalMs: options.rebalanceIntervalMs ?? 500,
      logger: options.logger,
      onGained: (shard) => this.#gain(shard),
      onLost: (shard) => this.#run("let go of", () => this.#work?.letGo(inShard(shard))),
    });
  }

  owns(permissionId: string): boolean {
    return this.#locks.ownsShard(shardOf(permissionId, this.#shardCount));
  }

  changed(permissionId: string): void {
    if (this.owns(permissionId)) return;
    this.#options.notifier.notify(PERMISSION_CHANGES_CHANNEL, permissionId).catch((error: unknown) =>
      // The owner still finds the change: at its next take-over, or the steps' regular look.
      this.#options.logger.warn("another instance could not be told of a permission's change", {
        permissionId,
        error: String(error),
      }),
    );
  }

  /** Starts taking shards; `work` runs for each shard taken or lost, and for changes made elsewhere. */
  async start(work: PermissionWork): Promise<void> {
    this.#work = work;
    this.#unlisten = await this.#options.notifier.listen(PERMISSION_CHANGES_CHANNEL, {
      onMessage: (permissionId) => {
        if (this.owns(permissionId)) void this.#run("look at", () => work.look(permissionId));
      },
      // Changes told while the listen session was away are found by looking at everything owned again.
      onMissed: () => void this.#run("look again at", () => work.takeOver((id) => this.owns(id))),
    });
    this.#locks.start();
  }

  /** Gives up every shard (their work stops) and stops listening. */
  async stop(): Promise<void> {
    await this.#locks.stop();
    await this.#unlisten?.().catch(() => {});
    this.#work = undefined;
  }

  /**
   * Resumes the permissions of a shard just taken. Shards taken while a take-over runs are resumed
   * together after it: a start that takes all 32 reads the permissions twice, not 32 times.
   */
  #gain(shard: number): void {
    this.#gained.add(shard);
    this.#takingOver ??= this.#takeOverGained().finally(() => {
      this.#takingOver = undefined;
    });
  }

  async #takeOverGained(): Promise<void> {
    while (this.#gained.size > 0) {
      const shards = new Set(this.#gained);
      this.#gained.clear();
      const belonging = (id: string) => shards.has(shardOf(id, this.#shardCount));
      await this.#run("take over", () => this.#work?.takeOver(belonging));
    }
  }

  /** Runs one piece of permission work; what fails is logged (never thrown into a timer or a listener). */
  async #run(what: string, work: () => Promise<void> | undefined): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.#options.logger.error(`could not ${what} permissions of this instance`, { error: String(error) });
    }
  }
}
