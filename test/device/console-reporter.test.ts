import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createConsoleReporter, describeFeedback } from "../../src/device/console-reporter.ts";
import type { PublisherNotice } from "../../src/device/publisher-notice.ts";

function report(verbose: boolean, notices: PublisherNotice[]) {
  let out = "";
  let err = "";
  const sink = createConsoleReporter(verbose, {
    out: { write: (text: string) => (out += text) },
    err: { write: (text: string) => (err += text) },
  });
  for (const notice of notices) sink(notice);
  // Drop the leading timestamps of the diagnostic lines.
  return { out, err: err.replace(/^\S+ /gm, "") };
}

const queued: PublisherNotice = { kind: "queued", seq: 7, payload: '{"version":"1.0"}', backlog: 1 };

describe("console output", () => {
  it("--verbose prints each payload alone on stdout (pipeable) and each acknowledgement on stderr", () => {
    const { out, err } = report(true, [queued, { kind: "acknowledged", seq: 7 }]);
    assert.equal(out, '{"version":"1.0"}\n');
    assert.equal(err, "acknowledged #7\n");
  });

  it("without --verbose prints neither", () => {
    assert.deepEqual(report(false, [queued, { kind: "acknowledged", seq: 7 }]), { out: "", err: "" });
  });

  it("shows a failing meter once, then every 100th failure, and when it recovers", () => {
    const failures: PublisherNotice[] = Array.from({ length: 150 }, (_, i) => ({
      kind: "read-failed",
      message: "cannot read the meter at http://m/rest: timed out",
      consecutive: i + 1,
    }));
    const { err } = report(false, [...failures, { kind: "read-recovered", failedReads: 150 }]);
    assert.equal(
      err,
      "read failed: cannot read the meter at http://m/rest: timed out\n" +
        "read failed (100 in a row): cannot read the meter at http://m/rest: timed out\n" +
        "meter readable again after 150 failed reads\n",
    );
  });

  it("prints the summary, drops, and the final state", () => {
    const { err } = report(false, [
      { kind: "summary", periodMs: 60_000, sent: 20, failed: 1, backlog: 3, droppedTotal: 0 },
      { kind: "dropped", count: 1, droppedTotal: 5, limit: 1000 },
      { kind: "summary", periodMs: 60_000, sent: 0, failed: 0, backlog: 1000, droppedTotal: 5 },
      { kind: "stopped", backlog: 2, sentTotal: 1 },
    ]);
    assert.equal(
      err,
      "last 60 s: 20 sent, 1 failed, 3 queued\n" +
        "queue full (limit 1000): dropped the oldest 1 reading (5 dropped in total)\n" +
        "last 60 s: 0 sent, 0 failed, 1000 queued, 5 dropped to make room so far\n" +
        "stopped after sending 1 reading; 2 readings kept in the queue for the next start\n",
    );
  });

  it("says the disk is full once, then every 100th time: drops, lost readings, deferred deletes; and room again", () => {
    const drops: PublisherNotice[] = Array.from({ length: 100 }, (_, i) => ({
      kind: "disk-full",
      count: 10,
      droppedTotal: 10 * (i + 1),
      consecutive: i + 1,
    }));
    const notQueued: PublisherNotice[] = Array.from({ length: 100 }, (_, i) => ({
      kind: "not-queued",
      message: "nothing in the queue to drop",
      consecutive: i + 1,
    }));
    const deferred: PublisherNotice[] = Array.from({ length: 3 }, (_, i) => ({
      kind: "delete-failed",
      diskFull: true,
      message: "the disk is full",
      waiting: i + 1,
    }));
    const { err } = report(false, [...drops, ...notQueued, ...deferred, { kind: "disk-room", limit: 1000 }]);
    assert.equal(
      err,
      "disk full: dropped the oldest 10 readings to make room (10 dropped in total); " +
        "until the disk has room, the queue keeps its size by dropping its oldest readings\n" +
        "disk still full: dropped the oldest 10 readings (1000 dropped in total)\n" +
        "disk full: a reading could not be queued, nothing in the queue to drop; readings are lost until the disk has room\n" +
        "disk full: a reading could not be queued, nothing in the queue to drop (100 in a row); " +
        "readings are lost until the disk has room\n" +
        "disk full: acknowledged readings cannot be deleted from the queue (the disk is full; 1 waiting); " +
        "they are not sent again and are deleted once it can write\n" +
        "the disk has room again; the queue is back to its limit of 1000 readings\n",
    );
  });

  it("shows each repeated failure the 1st, 100th and 200th time in a row, and every time with --verbose", () => {
    const rows: Record<string, (n: number) => PublisherNotice> = {
      "read-failed": (n) => ({ kind: "read-failed", message: "timed out", consecutive: n }),
      "disk-full": (n) => ({ kind: "disk-full", count: 1, droppedTotal: n, consecutive: n }),
      "not-queued": (n) => ({ kind: "not-queued", message: "nothing to drop", consecutive: n }),
      "delete-failed": (n) => ({ kind: "delete-failed", diskFull: true, message: "full", waiting: n }),
    };
    for (const [kind, notice] of Object.entries(rows)) {
      const notices = Array.from({ length: 200 }, (_, i) => notice(i + 1));
      const lines = (verbose: boolean) => report(verbose, notices).err.split("\n").slice(0, -1);
      const every = lines(true);
      assert.equal(every.length, 200, `${kind}: every one with --verbose`);
      assert.deepEqual(lines(false), [every[0], every[99], every[199]], `${kind}: the 1st, 100th and 200th`);
    }
  });

  it("shows the hub's feedback reports as status and problems", () => {
    const payload = JSON.stringify({
      status: "partial",
      problems: [{ path: "$.Quantity[1].type", reason: '"99" is not a QuantityTypeKind' }],
      notes: ["timestamp taken from the device"],
    });
    assert.equal(
      describeFeedback(payload),
      'partial: $.Quantity[1].type: "99" is not a QuantityTypeKind; timestamp taken from the device',
    );
    assert.equal(describeFeedback('{"other":true}'), '{"other":true}');
    assert.equal(describeFeedback("plain text"), "plain text");
  });

  it("shows the hub's MQTT 5 verdicts with code and reason string, quoted on one line and cut when long", () => {
    const { err } = report(false, [
      { kind: "acknowledged", seq: 3 },
      { kind: "hub-verdict", seq: 3, verdict: "partial", reasonCode: 0, reasonString: "kept 1 of 2\nforged" },
      { kind: "hub-verdict", seq: 4, verdict: "rejected", reasonCode: 0x99, reasonString: "x".repeat(400) },
    ]);
    const [partial, rejected, end] = err.split("\n");
    assert.equal(partial, 'the hub stored reading #3 only in part (PUBACK 0x00: "kept 1 of 2\\nforged")');
    assert.equal(
      rejected,
      `the hub rejected reading #4 (PUBACK 0x99 payload format invalid: "${"x".repeat(300)}…"); ` +
        "it is removed from the queue and not sent again",
    );
    assert.equal(end, "", "two lines, no more");
  });

  it("names the MQTT version when it is not the default 3.1.1", () => {
    const { err } = report(false, [
      { kind: "connected", broker: "mqtt://h:1883", mqttVersion: 4 },
      { kind: "connected", broker: "mqtts://h:8883", mqttVersion: 5 },
    ]);
    assert.equal(err, "connected to mqtt://h:1883\nconnected to mqtts://h:8883 (MQTT 5)\n");
  });
  it("says 'retrying' only for a retry that will come, and 'giving up' otherwise", () => {
    const failed = {
      kind: "connect-failed",
      message: "cannot reach the broker mqtt://h:1883: timed out",
    } as const;
    const { err } = report(false, [
      { ...failed, retryInMs: 2000, credentialsRefused: false },
      { ...failed, retryInMs: 4000, credentialsRefused: false, givingUp: "flush-timeout" },
      { ...failed, retryInMs: 30_000, credentialsRefused: true, givingUp: "credentials-refused" },
      { kind: "flush-given-up", nextTryInMs: 12_345, flushTimeoutMs: 10_000 },
    ]);
    assert.equal(
      err,
      "cannot reach the broker mqtt://h:1883: timed out; retrying in 2 s\n" +
        "cannot reach the broker mqtt://h:1883: timed out; giving up: the next try (in 4 s) would come after " +
        "--flush-timeout ends; unsent readings stay queued\n" +
        "cannot reach the broker mqtt://h:1883: timed out; giving up (--once)\n" +
        "giving up: the next try to reach the broker (in 12.3 s) would come after --flush-timeout (10 s) ends; " +
        "unsent readings stay queued\n",
    );
  });
});
