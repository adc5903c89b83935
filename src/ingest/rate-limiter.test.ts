import assert from "node:assert/strict";
import { test } from "node:test";
import { RateLimiter } from "./rate-limiter.ts";

const T0 = Date.parse("2026-06-01T12:00:00Z");

test("a clock stepped back does not hold a device's messages for the length of the step", () => {
  const limiter = new RateLimiter(10, 20, 2000);
  assert.deepEqual(limiter.take("meter", T0, false), { kind: "now" });
  // NTP moves the clock back an hour: the device still gets its burst, not an hour's wait.
  assert.deepEqual(limiter.take("meter", T0 - 3_600_000, false), { kind: "now" });
  assert.deepEqual(limiter.take("meter", T0 - 3_600_000, true), { kind: "now" });
});

test("over the burst, acknowledged messages wait and droppable ones are refused past the longest wait", () => {
  const limiter = new RateLimiter(10, 2, 150);
  assert.equal(limiter.take("meter", T0, false).kind, "now");
  assert.equal(limiter.take("meter", T0, false).kind, "now");
  assert.deepEqual(limiter.take("meter", T0, false), { kind: "wait", ms: 100 });
  assert.deepEqual(limiter.take("meter", T0, false), { kind: "wait", ms: 200 });
  assert.deepEqual(limiter.take("meter", T0, true), { kind: "reject" });
  assert.equal(limiter.take("other", T0, true).kind, "now", "each device has its own bucket");
});
