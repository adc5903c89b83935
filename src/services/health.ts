/** AIIDA's health states of a data source. */
export type HealthStatus = "UP" | "WARNING" | "DOWN" | "UNKNOWN" | "DISABLED";

/** Health of one data source and why. */
export interface SourceHealth {
  readonly status: HealthStatus;
  readonly connected: boolean;
  readonly lastMessageAt: string | null;
  readonly reason: string;
}

/** Storage problems that override or qualify AIIDA's rule. */
export interface StorageProblems {
  /** Why the hub can store nothing (for any data source): a sentence that says so. */
  readonly hub?: string | undefined;
  /** This data source's hourly rollup fails (its data is stored; long charts read it raw). */
  readonly rollup?: string | undefined;
  /** The data source is disabled: its device cannot connect, whatever its last message says. */
  readonly disabled?: boolean;
}

const UP_WITHIN_MS = 90_000;
const WARNING_WITHIN_MS = 180_000;

/**
 * AIIDA's rule: no message yet → UNKNOWN; newest ≤ 90 s → UP; ≤ 180 s → WARNING; older → DOWN. A hub
 * that can store nothing makes every data source DOWN; a disabled one is DISABLED (AIIDA has no such
 * state; UP would say a device is delivering that cannot); a failing rollup makes an UP one WARNING.
 */
export function healthOf(
  connected: boolean,
  lastMessageAt: number | null,
  now: number,
  problems: StorageProblems = {},
): SourceHealth {
  const last = lastMessageAt === null ? null : new Date(lastMessageAt).toISOString();
  const base = { connected, lastMessageAt: last };
  if (problems.hub !== undefined) {
    return { ...base, status: "DOWN", reason: problems.hub };
  }
  if (problems.disabled === true) {
    return { ...base, status: "DISABLED", reason: "the data source is disabled: its device cannot connect" };
  }
  const health = byMessageAge(base, lastMessageAt, now);
  if (problems.rollup === undefined) return health;
  return {
    ...health,
    status: health.status === "UP" ? "WARNING" : health.status,
    reason: `${health.reason}; hourly rollup fails: ${problems.rollup}`,
  };
}

function byMessageAge(
  base: Pick<SourceHealth, "connected" | "lastMessageAt">,
  lastMessageAt: number | null,
  now: number,
): SourceHealth {
  const { connected } = base;
  if (lastMessageAt === null) {
    return {
      ...base,
      status: "UNKNOWN",
      reason: connected ? "connected, no message yet" : "no message received yet",
    };
  }
  const age = Math.max(0, now - lastMessageAt);
  const ago = `last message ${Math.round(age / 1000)} s ago`;
  if (age <= UP_WITHIN_MS) return { ...base, status: "UP", reason: ago };
  if (age <= WARNING_WITHIN_MS) return { ...base, status: "WARNING", reason: `${ago} (more than 90 s)` };
  return { ...base, status: "DOWN", reason: `${ago} (more than 180 s)${connected ? "" : ", not connected"}` };
}
