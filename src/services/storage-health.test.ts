import assert from "node:assert/strict";
import { test } from "node:test";
import { createLogger } from "../platform/logger.ts";
import { healthOf } from "./health.ts";
import { StorageHealth } from "./storage-health.ts";

function recorded() {
  const lines: string[] = [];
  return { lines, health: new StorageHealth(createLogger("info", (line) => lines.push(line))) };
}

test("a failing rollup is logged once when it starts and once when it stops, not on every step", () => {
  const { lines, health } = recorded();
  health.rollupFailing(new Map([["a", "disk I/O error"]]));
  health.rollupFailing(new Map([["a", "disk I/O error"]]));
  assert.equal(health.rollupProblemOf("a"), "disk I/O error");
  health.rollupFailing(new Map());
  assert.equal(health.rollupProblemOf("a"), undefined);
  assert.equal(lines.length, 2);
  const [failing, works] = lines.map((line) => JSON.parse(line));
  assert.deepEqual(
    { level: failing.level, msg: failing.msg, dataSource: failing.dataSource, error: failing.error },
    {
      level: "error",
      msg: "hourly rollup fails for a data source; the others go on",
      dataSource: "a",
      error: "disk I/O error",
    },
  );
  assert.deepEqual(
    { level: works.level, msg: works.msg, dataSource: works.dataSource },
    { level: "info", msg: "hourly rollup works again", dataSource: "a" },
  );
});

test("a hub that can store nothing is logged once with its first cause, and every data source is DOWN", () => {
  const { lines, health } = recorded();
  health.failed("the record writer thread exited (1)");
  health.failed("something later");
  assert.equal(health.problem, "the record writer thread exited (1)");
  assert.equal(lines.length, 1);
  const now = Date.now();
  const source = healthOf(true, now, now, { hub: health.problem });
  assert.equal(source.status, "DOWN");
  assert.equal(source.reason, "the record writer thread exited (1)");
});
