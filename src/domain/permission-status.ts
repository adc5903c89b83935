import { HubError } from "./hub-error.ts";

/** AIIDA's PermissionStatus values, in AIIDA's order. */
export const PERMISSION_STATUSES = [
  "CREATED",
  "FETCHED_DETAILS",
  "UNFULFILLABLE",
  "ACCEPTED",
  "FETCHED_MQTT_CREDENTIALS",
  "WAITING_FOR_START",
  "STREAMING_DATA",
  "REJECTED",
  "REVOKED",
  "TERMINATED",
  "FULFILLED",
  "FAILED_TO_START",
] as const;
export type PermissionStatus = (typeof PERMISSION_STATUSES)[number];

/** True for one of AIIDA's statuses (e.g. for a status read from storage or a request). */
export function isPermissionStatus(value: unknown): value is PermissionStatus {
  return typeof value === "string" && (PERMISSION_STATUSES as readonly string[]).includes(value);
}

/** What can happen to a permission; each event is allowed only in some statuses (see TRANSITIONS). */
export const PERMISSION_EVENTS = [
  "detailsFetched",
  "validationFailed",
  "userRejected",
  "userAccepted",
  "credentialsReceived",
  "startInFuture",
  "startReached",
  "failedToStart",
  "endReached",
  "userRevoked",
  "terminateCommand",
] as const;
export type PermissionEvent = (typeof PERMISSION_EVENTS)[number];

type TransitionTable = {
  readonly [S in PermissionStatus]: Readonly<Partial<Record<PermissionEvent, PermissionStatus>>>;
};

/**
 * Every status with the events it accepts and where each leads. A status without events is final.
 * No status is stuck: each non-final one names below what it waits on, and whatever EDDIE does, the user
 * can leave every one of them (reject before granting, revoke after); a granted one also ends with time.
 */
export const TRANSITIONS: TransitionTable = {
  // Saved from the AIIDA code; waits on the GET of the handshake details (the hub retries; the user may give up).
  CREATED: { detailsFetched: "FETCHED_DETAILS", validationFailed: "UNFULFILLABLE", userRejected: "REJECTED" },
  // Details read and checked; waits on the user's decision.
  FETCHED_DETAILS: { userAccepted: "ACCEPTED", userRejected: "REJECTED", validationFailed: "UNFULFILLABLE" },
  // Final: the details could not be fulfilled (EDDIE was told UNFULFILLABLE).
  UNFULFILLABLE: {},
  // The user accepted; waits on EDDIE's answer to the PATCH ACCEPT (the broker credentials; the hub retries).
  // The end passing first means it never started: EDDIE hands out credentials only once.
  ACCEPTED: {
    credentialsReceived: "FETCHED_MQTT_CREDENTIALS",
    failedToStart: "FAILED_TO_START",
    userRevoked: "REVOKED",
    endReached: "FAILED_TO_START",
  },
  // Credentials stored; waits on the scheduler, which compares the start with now (at once, and at every hub start).
  FETCHED_MQTT_CREDENTIALS: {
    startInFuture: "WAITING_FOR_START",
    startReached: "STREAMING_DATA",
    failedToStart: "FAILED_TO_START",
    userRevoked: "REVOKED",
    terminateCommand: "TERMINATED",
    endReached: "FULFILLED",
  },
  // Waits on the start time.
  WAITING_FOR_START: {
    startReached: "STREAMING_DATA",
    failedToStart: "FAILED_TO_START",
    userRevoked: "REVOKED",
    terminateCommand: "TERMINATED",
    endReached: "FULFILLED",
  },
  // Sends data each interval; waits on the end time, the user's revoke or EDDIE's TERMINATE.
  STREAMING_DATA: { endReached: "FULFILLED", userRevoked: "REVOKED", terminateCommand: "TERMINATED" },
  // Final: the user said no (EDDIE was told REJECT).
  REJECTED: {},
  // Final: the user withdrew a granted permission (status message REVOKED).
  REVOKED: {},
  // Final: EDDIE sent TERMINATE (status message EXTERNALLY_TERMINATED).
  TERMINATED: {},
  // Final: the end time was reached (status message FULFILLED).
  FULFILLED: {},
  // Final: streaming could not be set up (no credentials, or the connection to EDDIE's broker could not be made).
  FAILED_TO_START: {},
};

/** The three groups of the permission list filter. */
export const PERMISSION_STATUS_GROUPS = ["active", "pending", "complete"] as const;
export type PermissionStatusGroup = (typeof PERMISSION_STATUS_GROUPS)[number];

const PENDING: ReadonlySet<PermissionStatus> = new Set(["CREATED", "FETCHED_DETAILS"]);

/** Where `event` leads from `status`; undefined when it does not (only own entries count: "constructor" is no event). */
function target(status: PermissionStatus, event: PermissionEvent): PermissionStatus | undefined {
  if (!Object.hasOwn(TRANSITIONS, status)) return undefined;
  const events = TRANSITIONS[status];
  return Object.hasOwn(events, event) ? events[event] : undefined;
}

/** True for a status that no event leaves. */
export function isFinal(status: PermissionStatus): boolean {
  return Object.keys(TRANSITIONS[status]).length === 0;
}

/** pending: before the user granted it; active: granted and not over; complete: final. */
export function statusGroup(status: PermissionStatus): PermissionStatusGroup {
  if (isFinal(status)) return "complete";
  return PENDING.has(status) ? "pending" : "active";
}

/** The statuses of one group, in AIIDA's order. */
export function statusesInGroup(group: PermissionStatusGroup): PermissionStatus[] {
  return PERMISSION_STATUSES.filter((status) => statusGroup(status) === group);
}

/** The events a permission in this status accepts (none for a final status). */
export function allowedEvents(status: PermissionStatus): PermissionEvent[] {
  return PERMISSION_EVENTS.filter((event) => target(status, event) !== undefined);
}

/** An event the permission's current status does not accept (answered as 409 Conflict). */
export class PermissionTransitionError extends HubError {
  readonly status: PermissionStatus;
  readonly event: PermissionEvent;

  constructor(status: PermissionStatus, event: PermissionEvent) {
    const allowed = isPermissionStatus(status) ? allowedEvents(status) : [];
    const why = !isPermissionStatus(status)
      ? `${status} is not a status`
      : allowed.length === 0
        ? `${status} is final`
        : `in ${status} only ${allowed.map((e) => `"${e}"`).join(", ")} may happen`;
    super("CONFLICT", `A permission in status ${status} cannot take "${event}": ${why}.`);
    this.name = "PermissionTransitionError";
    this.status = status;
    this.event = event;
  }
}

/** The status after `event`; throws PermissionTransitionError when the current status does not accept it. */
export function nextStatus(current: PermissionStatus, event: PermissionEvent): PermissionStatus {
  const next = target(current, event);
  if (next === undefined) throw new PermissionTransitionError(current, event);
  return next;
}
