import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AlarmClock } from "./alarm-clock.ts";

describe("AlarmClock", () => {
  it("rings at the time, also when the wait is longer than one timer step can hold", async () => {
    // The clock runs 1,000 × faster than real time and a timer step is at most 5 ms: an alarm 200 ms of
    // clock time ahead takes several re-armed steps and must not ring before its time.
    const start = Date.now();
    const clock = () => start + (Date.now() - start) * 1000;
    const alarms = new AlarmClock(clock, 5);
    const at = clock() + 200_000;
    const rang = await new Promise<number>((resolve) => alarms.set("p", at, () => resolve(clock())));
    assert.ok(rang >= at, `rang ${at - rang} ms early`);
  });

  it("replaces an alarm set again for the same key, and forgets cleared ones", async () => {
    const alarms = new AlarmClock();
    const rung: string[] = [];
    alarms.set("a", Date.now() + 10_000, () => rung.push("old"));
    await new Promise<void>((resolve) =>
      alarms.set("a", Date.now(), () => {
        rung.push("new");
        resolve();
      }),
    );
    alarms.set("b", Date.now(), () => rung.push("cleared"));
    alarms.clear("b");
    assert.equal(alarms.has("a"), false);
    assert.equal(alarms.has("b"), false);
    assert.deepEqual(rung, ["new"]);
    alarms.stop();
    alarms.set("c", Date.now(), () => rung.push("after stop"));
    assert.equal(alarms.has("c"), false);
  });
});
