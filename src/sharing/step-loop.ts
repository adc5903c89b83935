import type { Logger } from "../platform/logger.ts";
import type { PermissionStore } from "../storage/ports.ts";

/** setTimeout cannot wait longer than this in one go. */
const LONGEST_TIMEOUT_MS = 2_147_483_647;

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

  constructor(
    private readonly store: Pick<PermissionStore, "dueSteps" | "nextStepAt">,
    private readonly run: (permissionId: string) => Promise<void>,
    private readonly now: () => number,
    private readonly logger: Logger,
    private readonly maxConcurrent = 8,
  ) {}

  /** Looks for due steps on a later turn of the event loop (after a step was stored, or at start). */
  wake(): void {
    if (this.stopped) return;
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
    const free = this.maxConcurrent - this.inFlight.size;
    if (free > 0) {
      let launched = 0;
      for (const id of this.store.dueSteps(this.now(), free + this.inFlight.size)) {
        if (launched === free) break;
        if (this.inFlight.has(id)) continue;
        void this.launch(id);
        launched += 1;
      }
    }
    this.sleep();
  }

  /**
   * Sleeps until the next step is due. Steps already due that are in flight or wait for a free slot need
   * no timer (each run that ends wakes the loop); one that fell due after tick() looked for due steps (a
   * timer may fire a millisecond early by the clock) is run on the next turn, or it would wait for ever.
   */
  private sleep(): void {
    clearTimeout(this.timer);
    const at = this.store.nextStepAt();
    if (at === undefined) return;
    const now = this.now();
    const wait = at - now;
    if (wait > 0) {
      this.timer = setTimeout(() => this.tick(), Math.min(wait, LONGEST_TIMEOUT_MS));
      return;
    }
    if (this.inFlight.size >= this.maxConcurrent) return;
    const due = this.store.dueSteps(now, this.maxConcurrent + this.inFlight.size);
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
