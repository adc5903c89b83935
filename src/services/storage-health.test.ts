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
  assert.match(
    lines[0] ?? "",
    /ERROR hourly rollup fails for a data source.*dataSource=a error=disk I\/O error/,
  );
  assert.match(lines[1] ?? "", /INFO {2}hourly rollup works again dataSource=a/);
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
