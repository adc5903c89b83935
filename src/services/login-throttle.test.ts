import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ACCOUNT_POLICY, ADDRESS_POLICY, LoginThrottle } from "./login-throttle.ts";

function throttleAt(start = 1_000_000) {
  let now = start;
  const throttle = new LoginThrottle(() => now);
  return { throttle, advance: (ms: number) => (now += ms) };
}

function failTimes(throttle: LoginThrottle, address: string, account: string, times: number) {
  let last: ReturnType<LoginThrottle["failed"]>;
  for (let i = 0; i < times; i += 1) last = throttle.failed(address, account);
  return last;
}

describe("login throttle", () => {
  it("makes an address wait after its fifth failure, doubling the wait up to five minutes", () => {
    const { throttle, advance } = throttleAt();
    assert.equal(failTimes(throttle, "a", "admin", ADDRESS_POLICY.freeFailures - 1), undefined);
    assert.equal(throttle.check("a", "admin"), undefined, "four failures: the next try is checked");
    const waits: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      const lock = throttle.failed("a", "admin");
      assert.ok(lock);
      waits.push(lock.retryAfterMs);
      assert.deepEqual(throttle.check("a", "admin"), {
        retryAfterMs: lock.retryAfterMs,
        limitedBy: "address",
      });
      advance(lock.retryAfterMs);
      assert.equal(throttle.check("a", "admin"), undefined, "the wait ends when it says");
    }
    assert.deepEqual(waits.slice(0, 4), [1000, 2000, 4000, 8000]);
    assert.equal(Math.max(...waits), ADDRESS_POLICY.maxLockMs);
  });

  it("holds an account at most 30 s, and never against an address that logged in before", () => {
    const { throttle, advance } = throttleAt();
    throttle.succeeded("home", "admin");
    // An attacker spreads guesses over many addresses, so no address limit applies.
    for (let i = 0; i < 40; i += 1) throttle.failed(`attacker-${i}`, "admin");
    const stranger = throttle.check("new-laptop", "admin");
    assert.equal(stranger?.limitedBy, "account");
    assert.ok(stranger.retryAfterMs <= ACCOUNT_POLICY.maxLockMs);
    assert.equal(throttle.check("home", "admin"), undefined, "the admin's own address is not held");
    advance(ACCOUNT_POLICY.maxLockMs);
    assert.equal(throttle.check("new-laptop", "admin"), undefined);
  });

  it("forgets failures after 15 quiet minutes and clears them on success", () => {
    const { throttle, advance } = throttleAt();
    const free = ADDRESS_POLICY.freeFailures - 1;
    failTimes(throttle, "a", "admin", free);
    advance(15 * 60_000 + 1);
    assert.equal(failTimes(throttle, "a", "admin", free), undefined, "the count started again");
    throttle.succeeded("a", "admin");
    assert.equal(failTimes(throttle, "a", "admin", free), undefined);
    assert.ok(throttle.failed("a", "admin"), "the count after a success starts from nothing, too");
  });

  it("keeps bounded state when guesses come from endless addresses", () => {
    const { throttle } = throttleAt();
    failTimes(throttle, "first", "first-user", ADDRESS_POLICY.freeFailures);
    assert.equal(throttle.check("first", "first-user")?.limitedBy, "address");
    for (let i = 0; i < 30_000; i += 1) throttle.failed(`10.0.${i >> 8}.${i & 255}-${i}`, `user-${i}`);
    failTimes(throttle, "last", "x", ADDRESS_POLICY.freeFailures);
    assert.equal(throttle.check("last", "x")?.limitedBy, "address", "the newest keys are still tracked");
    assert.equal(throttle.check("first", "first-user"), undefined, "the stalest, locked, key was dropped");
  });
});
