import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "./logger.ts";
import { RepeatedEventLog } from "./repeated-event-log.ts";

const MINUTE = 60_000;

/** A repeated-event log over a recording logger and a clock the test moves by hand. */
function setUp(maxKeys?: number) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger("info", (line) => lines.push(JSON.parse(line)));
  const clock = { now: 1_000_000 };
  const log = new RepeatedEventLog(logger, MINUTE, () => clock.now, maxKeys);
  return { log, lines, clock };
}

describe("RepeatedEventLog", () => {
  it("logs the first event of a kind from an address in full and only counts the rest of the interval", () => {
    const { log, lines, clock } = setUp();
    for (let i = 0; i < 300; i++) log.record("info", "connection refused", "10.0.0.1", { username: `u${i}` });
    assert.deepEqual(
      lines.map((l) => [l.msg, l.address, l.username]),
      [["connection refused", "10.0.0.1", "u0"]],
    );
    clock.now += MINUTE;
    log.flush();
    assert.equal(lines.length, 2);
    assert.deepEqual(
      {
        msg: lines[1]?.msg,
        address: lines[1]?.address,
        repeated: lines[1]?.repeated,
        seconds: lines[1]?.seconds,
      },
      { msg: "connection refused", address: "10.0.0.1", repeated: 299, seconds: 60 },
    );
  });

  it("keeps counting while the flood goes on: one summary line per interval", () => {
    const { log, lines, clock } = setUp();
    log.record("info", "connection refused", "10.0.0.1", {});
    for (let interval = 0; interval < 3; interval++) {
      for (let i = 0; i < 10; i++) {
        clock.now += 1000;
        log.record("info", "connection refused", "10.0.0.1", {});
      }
      clock.now += MINUTE - 10_000;
      log.flush();
    }
    assert.deepEqual(
      lines.map((l) => l.repeated),
      [undefined, 10, 10, 10],
    );
  });

  it("ends the interval at the next event when no flush came, counting that event in the new one", () => {
    const { log, lines, clock } = setUp();
    log.record("warn", "publish refused", "10.0.0.1", {});
    log.record("warn", "publish refused", "10.0.0.1", {});
    clock.now += MINUTE;
    log.record("warn", "publish refused", "10.0.0.1", {});
    assert.deepEqual(
      lines.map((l) => [l.level, l.repeated]),
      [
        ["warn", undefined],
        ["warn", 1],
      ],
    );
    clock.now += MINUTE;
    log.flush();
    assert.equal(lines.at(-1)?.repeated, 1);
  });

  it("logs in full again after a quiet interval", () => {
    const { log, lines, clock } = setUp();
    log.record("info", "connection refused", "10.0.0.1", { username: "first" });
    clock.now += MINUTE;
    log.flush();
    log.record("info", "connection refused", "10.0.0.1", { username: "again" });
    assert.deepEqual(
      lines.map((l) => l.username),
      ["first", "again"],
    );
  });

  it("counts each address and each kind of event apart", () => {
    const { log, lines } = setUp();
    log.record("info", "connection refused", "10.0.0.1", {});
    log.record("info", "connection refused", "10.0.0.2", {});
    log.record("warn", "subscription refused", "10.0.0.1", {});
    log.record("info", "connection refused", "10.0.0.2", {});
    assert.deepEqual(
      lines.map((l) => [l.msg, l.address]),
      [
        ["connection refused", "10.0.0.1"],
        ["connection refused", "10.0.0.2"],
        ["subscription refused", "10.0.0.1"],
      ],
    );
  });

  it("shares one count among all addresses beyond the most it tracks", () => {
    const { log, lines, clock } = setUp(2);
    for (let i = 0; i < 100; i++) log.record("info", "connection refused", `10.0.0.${i}`, {});
    clock.now += MINUTE;
    log.flush();
    assert.deepEqual(
      lines.map((l) => [l.address, l.repeated]),
      [
        ["10.0.0.0", undefined],
        ["10.0.0.1", undefined],
        ["other addresses", undefined],
        ["other addresses", 97],
      ],
    );
  });

  it("writes the open counts when it closes", () => {
    const { log, lines } = setUp();
    log.record("info", "connection refused", "10.0.0.1", {});
    log.record("info", "connection refused", "10.0.0.1", {});
    log.close();
    assert.equal(lines.at(-1)?.repeated, 1);
    log.record("info", "connection refused", "10.0.0.1", {});
    assert.equal(lines.length, 3, "after closing, the next event starts afresh");
  });
});
