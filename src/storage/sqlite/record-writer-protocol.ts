import type { RollupStepResult } from "./rollup.ts";
import type { WireOutcome } from "./wire-outcome.ts";

/** A request to the writer thread. */
export type WriterRequest =
  | { readonly id: number; readonly kind: "write"; readonly outcomes: readonly WireOutcome[] }
  | { readonly id: number; readonly kind: "deleteOlderThan"; readonly before: number; readonly batch: number }
  | { readonly id: number; readonly kind: "rollupStep"; readonly now: number }
  | { readonly id: number; readonly kind: "close" };

/** The writer thread's answer to one request. */
export type WriterResponse =
  | { readonly id: number; readonly ok: true; readonly result: WriterResult }
  | { readonly id: number; readonly ok: false; readonly error: string; readonly code: string | undefined };

/** What a request's answer carries: rows deleted, a rollup step's result, or nothing. */
export type WriterResult = number | RollupStepResult | null;

/** What the writer thread is started with. */
export interface WriterData {
  readonly file: string;
}
