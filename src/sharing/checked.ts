import type { ProblemDetail } from "../domain/hub-error.ts";

/** The result of reading and checking an input: the value, or every problem found, each with its JSON path. */
export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly ProblemDetail[] };

/** `value` when no problem was found, otherwise the problems. */
export function checked<T>(problems: readonly ProblemDetail[], value: () => T): Checked<T> {
  return problems.length === 0 ? { ok: true, value: value() } : { ok: false, problems };
}
