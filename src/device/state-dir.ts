import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { posix, win32 } from "node:path";
import { ConfigurationError } from "./configuration-error.ts";

/** What the default state directory depends on; the running process's unless a test says otherwise. */
export interface StateDirPlace {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
}

/** The folder under the per-user state folder that holds the publisher's queues and counters. */
const APP = ["aiida-hub", "publisher"] as const;

function currentPlace(): StateDirPlace {
  return { platform: process.platform, env: process.env, home: homedir() };
}

/**
 * The publisher's default --state-dir, a per-user state folder (never the current directory, which
 * may be a checkout or anywhere else): Windows %LOCALAPPDATA%\aiida-hub\publisher; macOS
 * ~/Library/Application Support/aiida-hub/publisher; elsewhere $XDG_STATE_HOME/aiida-hub/publisher,
 * or ~/.local/state/aiida-hub/publisher when XDG_STATE_HOME is unset or not absolute.
 */
export function defaultStateDir(place: StateDirPlace = currentPlace()): string {
  const { platform, env, home } = place;
  if (platform === "win32") {
    const local = nonEmpty(env.LOCALAPPDATA) ?? win32.join(home, "AppData", "Local");
    return win32.join(local, ...APP);
  }
  if (platform === "darwin") return posix.join(home, "Library", "Application Support", ...APP);
  const xdg = nonEmpty(env.XDG_STATE_HOME);
  // The XDG base directory spec says to ignore a relative path there.
  const base = xdg !== undefined && posix.isAbsolute(xdg) ? xdg : posix.join(home, ".local", "state");
  return posix.join(base, ...APP);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** Errors that mean a folder cannot be made at that place, rather than a bug. */
const PLACE_ERRORS = new Set(["EACCES", "EPERM", "EROFS", "ENOTDIR", "EEXIST"]);

/**
 * Makes the state directory if it is missing, readable by its user alone (mode 0700: it holds what the
 * meter read); an existing folder is left as it is. Throws ConfigurationError when it cannot be made.
 */
export function ensureStateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOSPC") {
      throw new ConfigurationError(
        `the disk holding ${dir} is full: the state directory cannot be made there; free some space or choose another --state-dir`,
      );
    }
    if (code === undefined || !PLACE_ERRORS.has(code)) throw error;
    throw new ConfigurationError(
      `cannot make the state directory ${dir} (${code}); choose another --state-dir`,
    );
  }
}
