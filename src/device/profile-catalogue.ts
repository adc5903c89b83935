import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigurationError } from "./configuration-error.ts";
import { type DeviceProfile, deviceProfileSchema } from "./profile-schema.ts";

/** Thrown for a profile that cannot be found, read or validated; the message says which and why. */
export class ProfileError extends ConfigurationError {}

/** The folder of the profiles that ship with the publisher (one JSON file per device model). */
export const BUILT_IN_PROFILE_DIR = fileURLToPath(new URL("./profiles/", import.meta.url));

/** Names of the built-in profiles, sorted. */
export function builtInProfileNames(): string[] {
  return readdirSync(BUILT_IN_PROFILE_DIR)
    .filter((name) => name.endsWith(".json"))
    .map((name) => basename(name, ".json"))
    .sort();
}

function looksLikePath(nameOrPath: string): boolean {
  return nameOrPath.includes("/") || nameOrPath.includes("\\") || nameOrPath.endsWith(".json");
}

/** Validates parsed JSON as a profile; `origin` names the file in the error. */
export function parseProfile(json: unknown, origin: string): DeviceProfile {
  const result = deviceProfileSchema.safeParse(json);
  if (!result.success) {
    throw new ProfileError(`profile ${origin} is invalid:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/** Reads and validates a profile file. */
export function loadProfileFile(path: string): DeviceProfile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ProfileError(`cannot read profile ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProfileError(`profile ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseProfile(json, path);
}

/** A built-in profile by name ("huawei-sun2000") or a profile file by path ("./my-meter.json"). */
export function loadProfile(nameOrPath: string): DeviceProfile {
  if (looksLikePath(nameOrPath)) return loadProfileFile(nameOrPath);
  const known = builtInProfileNames();
  if (!known.includes(nameOrPath)) {
    throw new ProfileError(
      `unknown profile "${nameOrPath}"; built-in profiles: ${known.join(", ")} (or give a file path)`,
    );
  }
  return loadProfileFile(join(BUILT_IN_PROFILE_DIR, `${nameOrPath}.json`));
}
