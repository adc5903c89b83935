import type { z } from "zod";
import { HubError } from "../domain/hub-error.ts";

/** Parses input with a schema, or throws a VALIDATION_FAILED HubError listing every problem by field path. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.length === 0 ? "$" : issue.path.map(String).join("."),
    reason: issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : issue.message,
  }));
  throw new HubError("VALIDATION_FAILED", `The ${what} is not valid: ${details.length} problem(s).`, details);
}
