import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HubError } from "../../src/domain/hub-error.ts";
import {
  allowedEvents,
  isFinal,
  isPermissionStatus,
  nextStatus,
  PERMISSION_EVENTS,
  PERMISSION_STATUSES,
  type PermissionEvent,
  type PermissionStatus,
  PermissionTransitionError,
  statusesInGroup,
  statusGroup,
  TRANSITIONS,
} from "../../src/domain/permission-status.ts";

function walk(events: readonly PermissionEvent[]): PermissionStatus {
  return events.reduce<PermissionStatus>((status, event) => nextStatus(status, event), "CREATED");
}

describe("permission status", () => {
  it("has AIIDA's twelve statuses, six of them final", () => {
    assert.equal(PERMISSION_STATUSES.length, 12);
    assert.deepEqual(PERMISSION_STATUSES.filter(isFinal), [
      "UNFULFILLABLE",
      "REJECTED",
      "REVOKED",
      "TERMINATED",
      "FULFILLED",
      "FAILED_TO_START",
    ]);
  });

  it("groups statuses for the list filter: pending before the grant, active while granted, complete when final", () => {
    assert.deepEqual(statusesInGroup("pending"), ["CREATED", "FETCHED_DETAILS"]);
    assert.deepEqual(statusesInGroup("active"), [
      "ACCEPTED",
      "FETCHED_MQTT_CREDENTIALS",
      "WAITING_FOR_START",
      "STREAMING_DATA",
    ]);
    assert.deepEqual(statusesInGroup("complete"), PERMISSION_STATUSES.filter(isFinal));
    assert.equal(statusGroup("STREAMING_DATA"), "active");
  });

  it("follows AIIDA's flow from the code to the end of the permission", () => {
    assert.equal(walk(["detailsFetched", "userAccepted", "credentialsReceived"]), "FETCHED_MQTT_CREDENTIALS");
    assert.equal(
      walk(["detailsFetched", "userAccepted", "credentialsReceived", "startReached"]),
      "STREAMING_DATA",
    );
    assert.equal(
      walk([
        "detailsFetched",
        "userAccepted",
        "credentialsReceived",
        "startInFuture",
        "startReached",
        "endReached",
      ]),
      "FULFILLED",
    );
    assert.equal(walk(["detailsFetched", "validationFailed"]), "UNFULFILLABLE");
    assert.equal(walk(["detailsFetched", "userRejected"]), "REJECTED");
    assert.equal(
      walk(["detailsFetched", "userAccepted", "credentialsReceived", "startReached", "userRevoked"]),
      "REVOKED",
    );
    assert.equal(
      walk(["detailsFetched", "userAccepted", "credentialsReceived", "startReached", "terminateCommand"]),
      "TERMINATED",
    );
    assert.equal(
      walk(["detailsFetched", "userAccepted", "credentialsReceived", "failedToStart"]),
      "FAILED_TO_START",
    );
  });

  it("refuses every event a status does not list, with a 409 error naming status, event and what is allowed", () => {
    let refused = 0;
    for (const status of PERMISSION_STATUSES) {
      for (const event of PERMISSION_EVENTS) {
        if (TRANSITIONS[status][event] !== undefined) continue;
        refused += 1;
        assert.throws(
          () => nextStatus(status, event),
          (error: unknown) =>
            error instanceof PermissionTransitionError &&
            error instanceof HubError &&
            error.code === "CONFLICT" &&
            error.status === status &&
            error.event === event &&
            error.message.includes(status) &&
            error.message.includes(`"${event}"`),
        );
      }
    }
    assert.ok(refused > 80, `only ${refused} pairs refused`);
    assert.throws(() => nextStatus("REVOKED", "userAccepted"), {
      message: 'A permission in status REVOKED cannot take "userAccepted": REVOKED is final.',
    });
    assert.throws(() => nextStatus("FETCHED_DETAILS", "credentialsReceived"), {
      message:
        'A permission in status FETCHED_DETAILS cannot take "credentialsReceived": in FETCHED_DETAILS only "validationFailed", "userRejected", "userAccepted" may happen.',
    });
  });

  it("refuses names of the object prototype and unknown statuses as events or statuses, never returning them", () => {
    assert.throws(() => nextStatus("CREATED", "constructor" as PermissionEvent), PermissionTransitionError);
    assert.throws(() => nextStatus("CREATED", "toString" as PermissionEvent), PermissionTransitionError);
    assert.throws(() => nextStatus("REVOCATION_RECEIVED" as PermissionStatus, "userRevoked"), {
      message:
        'A permission in status REVOCATION_RECEIVED cannot take "userRevoked": REVOCATION_RECEIVED is not a status.',
    });
    assert.equal(isPermissionStatus("STREAMING_DATA"), true);
    assert.equal(isPermissionStatus("REVOCATION_RECEIVED"), false);
    assert.equal(isPermissionStatus("constructor"), false);
  });

  it("has no stuck status: the user can leave every non-final one, and every granted one also ends with time", () => {
    for (const status of PERMISSION_STATUSES.filter((s) => !isFinal(s))) {
      const events = allowedEvents(status);
      assert.ok(
        events.includes("userRejected") || events.includes("userRevoked"),
        `${status} has no user exit`,
      );
      const exit = nextStatus(status, events.includes("userRejected") ? "userRejected" : "userRevoked");
      assert.ok(isFinal(exit), `${status}'s user exit leads to ${exit}`);
      if (statusGroup(status) === "active") assert.ok(isFinal(nextStatus(status, "endReached")), status);
    }
  });

  it("reaches every status from CREATED", () => {
    const reached = new Set<PermissionStatus>(["CREATED"]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const status of [...reached]) {
        for (const next of Object.values(TRANSITIONS[status])) {
          if (!reached.has(next)) {
            reached.add(next);
            grew = true;
          }
        }
      }
    }
    assert.deepEqual([...reached].sort(), [...PERMISSION_STATUSES].sort());
  });

  it("lets only connected permissions be terminated by EDDIE: a command needs the broker credentials", () => {
    const terminable = PERMISSION_STATUSES.filter((s) => TRANSITIONS[s].terminateCommand !== undefined);
    assert.deepEqual(terminable, ["FETCHED_MQTT_CREDENTIALS", "WAITING_FOR_START", "STREAMING_DATA"]);
  });
});
