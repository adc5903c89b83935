import type { WireOutcome } from "../sqlite/wire-outcome.ts";

/** A request to the batch writer thread. */
export type BatchWriterRequest =
  | { readonly id: number; readonly kind: "write"; readonly outcomes: readonly WireOutcome[] }
  | { readonly id: number; readonly kind: "close" };

/** What the batch writer thread is started with. */
export interface BatchWriterData {
  readonly url: string;
  /** Shown in pg_stat_activity for the thread's connections. */
  readonly applicationName: string;
}
