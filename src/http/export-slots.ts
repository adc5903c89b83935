import { HubError } from "../domain/hub-error.ts";

/**
 * Limits how many exports stream at once. Each keeps the reader thread and the event loop busy page by
 * page; more than a few at a time would slow charts and acknowledgements for everyone on two cores.
 */
export class ExportSlots {
  private taken = 0;

  constructor(private readonly max: number) {}

  /** Exports streaming now. */
  get inUse(): number {
    return this.taken;
  }

  /** Takes a slot; returns the function that gives it back (once). Throws TOO_MANY_REQUESTS when none is free. */
  take(): () => void {
    if (this.taken >= this.max) {
      throw HubError.tooManyRequests(
        (seconds) =>
          `${this.max} exports are already being downloaded; try again in ${seconds} s, when one has finished.`,
        5_000,
      );
    }
    this.taken += 1;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.taken -= 1;
    };
  }
}
