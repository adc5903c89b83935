import { api } from "./api.ts";
import type { Catalogue } from "./types.ts";

let cached: Promise<Catalogue> | undefined;

/** The hub's fixed lists (assets, countries, OBIS codes), fetched once per page load. */
export function catalogue(): Promise<Catalogue> {
  cached ??= api<Catalogue>("GET", "/catalogue").catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}
