import { HubError } from "../domain/hub-error.ts";
import { isCanonicalUuid } from "../domain/uuid.ts";

/**
 * The id in path parameter `name` (a data source's, a permission's); an id that cannot exist is simply
 * not found, as an unknown one: "No <what> with id <id>." (404).
 */
export function uuidParam(params: unknown, name: string, what: string): string {
  const value = (params as Record<string, unknown>)[name];
  if (!isCanonicalUuid(value)) throw new HubError("NOT_FOUND", `No ${what} with id ${String(value)}.`);
  return value;
}
