import assert from "node:assert/strict";
import { test } from "node:test";
import { silentLogger } from "../../src/platform/logger.ts";
import { StepLoop } from "../../src/sharing/step-loop.ts";

test("a step that falls due between the loop's look for due steps and its sleep still runs", async () => {
  const dueAt = 1000;
  // The clock moves on by one millisecond each time it is read: the look for due steps sees 999,
  // the sleep then sees 1000, when the step is due: no timer is needed for it, yet it is not running.
  let clock = dueAt - 2;
  const now = () => ++clock;
  let pending = true;
  const store = {
    dueSteps: async (at: number) => (pending && at >= dueAt ? ["p1"] : []),
    nextStepAt: async () => (pending ? dueAt : undefined),
  };
  const ran = new Promise<string>((resolve) => {
    const loop = new StepLoop(
      store,
      async (id) => {
        pending = false;
        resolve(id);
      },
      now,
      silentLogger,
    );
    loop.wake();
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("never ran"), 2000);
  });
  try {
    assert.equal(await Promise.race([ran, timedOut]), "p1");
  } finally {
    clearTimeout(timer);
  }
});
