import type { Logger } from "../platform/logger.ts";
import type { PermissionStore } from "../storage/ports.ts";

/** setTimeout cannot wait longer than this in one go. */
const LONGEST_TIMEOUT_MS = 2_147_483_647;
/** After the store failed to say what is due, the loop looks again this much later (or at the next wake). */
const LOOK_AGAIN_AFTER_FAILURE_MS = 5000;

/**
 * The one retry loop of the permissions' pending steps. The steps live in the database (next_step,
 * next_attempt_at), so a restart resumes them; the loop runs what is due, at most `maxConcurrent` at a
 * time and never two of one permission at once, then sleeps until the next one is due. `run` does one
 * step and records its outcome (done, or the next try's time); the loop only decides when to call it.
 */
export class StepLoop {
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** True while a look for due steps runs: looks run one at a time, each reading the store asynchronously. */
  private ticking = false;
  /** A look was asked for while one ran: another follows it on a later turn, so nothing stored meanwhile is missed. */
  private tickAgain = false;

  constructor(
    private readonly store: Pick<PermissionStore, "dueSteps" | "nextStepAt">,
    private readonly run: (permissionId: string) => Promise<void>,
    private readonly now: () => number,
    private readonly logger: Logger,
    private readonly maxConcurrent = 8,
    /** Longest sleep: several hub instances share the steps, and another's may come due unannounced. */
    private readonly lookAtLeastEveryMs = LONGEST_TIMEOUT_MS,
  ) {}

  /** Looks for due steps on a later turn of the event loop (after a step was stored, or at start). */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), 0);
  }

  /**
   * Runs the permission's step now, whether due or not (a user is waiting for its outcome); after the
   * run already in flight for it, if there is one.
   */
  runNow(permissionId: string): Promise<void> {
    const running = this.inFlight.get(permissionId);
    if (running === undefined) return this.launch(permissionId);
    return running.then(() => this.inFlight.get(permissionId) ?? this.launch(permissionId));
  }

  /** Runs nothing more; steps in flight finish on their own (their outcome is not recorded). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = true;
    this.tickAgain = false;
    this.lookThenSleep()
      .catch((error: unknown) => {
        this.logger.error("the permission steps could not be looked up; the loop looks again shortly", {
          error: String(error),
        });
        if (this.stopped) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.tick(), LOOK_AGAIN_AFTER_FAILURE_MS);
      })
      .finally(() => {
        this.ticking = false;
        if (this.tickAgain) this.wake();
      });
  }

  private async lookThenSleep(): Promise<void> {
    await this.launchDue();
    await this.sleep();
  }

  private async launchDue(): Promise<void> {
    const free = this.maxConcurrent - this.inFlight.size;
    if (free <= 0) return;
    const due = await this.store.dueSteps(this.now(), free + this.inFlight.size);
    if (this.stopped) return;
    // Counted again: runNow() may have launched steps while the store answered.
    let room = this.maxConcurrent - this.inFlight.size;
    for (const id of due) {
      if (room <= 0) break;
      if (this.inFlight.has(id)) continue;
      void this.launch(id); // never rejects: launch() logs a failed step
      room -= 1;
    }
  }

  /**
   * Sleeps until the next step is due. Steps already due that are in flight or wait for a free slot need
   * no timer (each run that ends wakes the loop); one that fell due after tick() looked for due steps (a
   * timer may fire a millisecond early by the clock) is run on the next turn, or it would wait for ever.
   */
  private async sleep(): Promise<void> {
    const at = await this.store.nextStepAt();
    // A wake while the store answered makes another look follow, which sleeps then: its answer is newer.
    if (this.stopped || this.tickAgain) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (at === undefined) {
      if (this.lookAtLeastEveryMs < LONGEST_TIMEOUT_MS)
        this.timer = setTimeout(() => this.tick(), this.lookAtLeastEveryMs);
      return;
    }
    const now = this.now();
    const wait = at - now;
    if (wait > 0) {
      this.timer = setTimeout(() => this.tick(), Math.min(wait, this.lookAtLeastEveryMs));
      return;
    }
    if (this.inFlight.size >= this.maxConcurrent) return;
    const due = await this.store.dueSteps(now, this.maxConcurrent + this.inFlight.size);
    if (this.stopped || this.tickAgain) return;
    if (due.some((id) => !this.inFlight.has(id))) this.timer = setTimeout(() => this.tick(), 0);
  }

  private launch(permissionId: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const running = this.run(permissionId)
      .catch((error: unknown) =>
        this.logger.error("a permission step failed unexpectedly", { permissionId, error: String(error) }),
      )
      .finally(() => {
        this.inFlight.delete(permissionId);
        this.wake();
      });
    this.inFlight.set(permissionId, running);
    return running;
  }
}
