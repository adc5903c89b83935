import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { QueueLockedError, queueFilePath, ReadingQueue } from "../../src/device/reading-queue.ts";
import { tempStateDir } from "./helpers/run-publisher.ts";

describe("the on-disk reading queue", () => {
  it("hands readings out oldest first and forgets them only when acknowledged", (t) => {
    const queue = ReadingQueue.open(join(tempStateDir(t), "q.sqlite"), 100);
    t.after(() => queue.close());
    for (const n of [1, 2, 3]) queue.append(`p${n}`, 1000 + n);
    assert.deepEqual(
      queue.peekAfter(0, 10).map((r) => [r.payload, r.readingTime]),
      [
        ["p1", 1001],
        ["p2", 1002],
        ["p3", 1003],
      ],
    );
    const [first, second] = queue.peekAfter(0, 2);
    assert.ok(first && second);
    queue.acknowledge(second.seq);
    assert.deepEqual(
      queue.peekAfter(0, 10).map((r) => r.payload),
      ["p1", "p3"],
    );
    assert.deepEqual(
      queue.peekAfter(first.seq, 10).map((r) => r.payload),
      ["p3"],
    );
    assert.equal(queue.size, 2);
  });

  it("keeps unacknowledged readings across a close and reopen, and never reuses a position", (t) => {
    const file = join(tempStateDir(t), "q.sqlite");
    const first = ReadingQueue.open(file, 100);
    const a = first.append("a", 1);
    const b = first.append("b", 2);
    first.acknowledge(a.seq);
    first.acknowledge(b.seq);
    first.append("c", 3);
    first.close();
    const reopened = ReadingQueue.open(file, 100);
    t.after(() => reopened.close());
    assert.equal(reopened.size, 1);
    assert.deepEqual(
      reopened.peekAfter(0, 10).map((r) => r.payload),
      ["c"],
    );
    const d = reopened.append("d", 4);
    assert.ok(d.seq > b.seq + 1, "positions grow even after the newest rows were deleted");
  });

  it("when full, drops the oldest readings to make room and counts them, also across restarts", (t) => {
    const file = join(tempStateDir(t), "q.sqlite");
    const queue = ReadingQueue.open(file, 3);
    const outcomes = [1, 2, 3, 4, 5].map((n) => queue.append(`p${n}`, n));
    assert.deepEqual(
      outcomes.map((o) => o.dropped),
      [0, 0, 0, 1, 1],
    );
    assert.deepEqual(
      queue.peekAfter(0, 10).map((r) => r.payload),
      ["p3", "p4", "p5"],
    );
    assert.equal(queue.size, 3);
    assert.equal(queue.droppedTotal, 2);
    queue.close();
    const smaller = ReadingQueue.open(file, 2);
    t.after(() => smaller.close());
    assert.equal(smaller.droppedTotal, 2);
    assert.equal(smaller.append("p6", 6).dropped, 2, "a lowered limit drops down to it at the next append");
    assert.deepEqual(
      smaller.peekAfter(0, 10).map((r) => r.payload),
      ["p5", "p6"],
    );
  });

  it("refuses a second publisher on the same queue file with a clear error", (t) => {
    const file = queueFilePath(tempStateDir(t), "5eef407d-d14f-49d4-b61a-769a20caa540");
    const owner = ReadingQueue.open(file, 10);
    t.after(() => owner.close());
    assert.throws(
      () => ReadingQueue.open(file, 10),
      (error: Error) =>
        error instanceof QueueLockedError && /in use by another publisher/.test(error.message),
    );
  });

  it("names the queue file after the data source id", () => {
    assert.equal(queueFilePath("/state", "5eef407d-d14f"), "/state/5eef407d-d14f.queue.sqlite");
    assert.equal(queueFilePath("/state", "../evil id"), "/state/.._evil_id.queue.sqlite");
  });
});
