import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { mountTinyDisk } from "./helpers/tiny-disk.ts";

describe("the tiny disk the full-disk tests fill", () => {
  it("fails instead of skipping under CI when no tmpfs can be mounted, so CI cannot pass without those tests", (t) => {
    const ci = process.env.CI;
    t.after(() => {
      if (ci === undefined) delete process.env.CI;
      else process.env.CI = ci;
    });
    process.env.CI = "true";
    // The helper's context: a skip is recorded here instead of skipping this test.
    const skips: string[] = [];
    const context = { skip: (reason: string) => skips.push(reason), after: t.after.bind(t) };
    // A size that mount refuses on any machine, root or not.
    assert.throws(
      () => mountTinyDisk(context as unknown as TestContext, Number.NaN),
      (error: Error) =>
        error.name === "AssertionError" &&
        /^cannot mount a tiny tmpfs to fill.*: mount: /.test(error.message),
    );
    assert.deepEqual(skips, [], "not skipped");
  });
});
