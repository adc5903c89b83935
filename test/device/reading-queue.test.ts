import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  QueueDiskFullError,
  QueueLockedError,
  queueFilePath,
  ReadingQueue,
} from "../../src/device/reading-queue.ts";
import { payloadNumber } from "./helpers/numbered-payload.ts";
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

  it("on a full disk (SQLITE_FULL), drops the oldest readings to make room, counts them, and keeps appending", (t) => {
    const file = join(tempStateDir(t), "q.sqlite");
    // max_page_count makes SQLite answer SQLITE_FULL at that size, exactly as it does on a full disk.
    const queue = ReadingQueue.open(file, 100_000, { maxPages: 40 });
    t.after(() => queue.close());
    const outcomes = Array.from({ length: 1000 }, (_, n) => queue.append(payloadNumber(n), n));
    const droppedForSpace = outcomes.reduce((sum, o) => sum + o.droppedForSpace, 0);
    assert.ok(droppedForSpace > 0, "the 40-page file filled up");
    assert.deepEqual(
      outcomes.filter((o) => o.dropped > 0),
      [],
      "the size limit was never reached",
    );
    assert.equal(queue.droppedTotal, droppedForSpace, "every drop is counted");
    assert.equal(queue.size, 1000 - droppedForSpace);
    assert.deepEqual(
      queue.peekAfter(0, 2000).map((r) => JSON.parse(r.payload).n),
      Array.from({ length: 1000 - droppedForSpace }, (_, i) => droppedForSpace + i),
      "the newest readings are kept, in order, the last one included",
    );
  });

  it("on a full disk at the next start, appends by the same policy instead of failing", (t) => {
    const file = join(tempStateDir(t), "q.sqlite");
    const first = ReadingQueue.open(file, 100_000, { maxPages: 40 });
    let n = 0;
    while (first.droppedTotal === 0) first.append(payloadNumber(n), n++);
    first.close();
    const restarted = ReadingQueue.open(file, 100_000, { maxPages: 40 });
    t.after(() => restarted.close());
    const before = restarted.droppedTotal;
    const outcomes = Array.from({ length: 200 }, () => restarted.append(payloadNumber(n), n++));
    assert.ok(
      outcomes.some((o) => o.droppedForSpace > 0),
      "the full file made room again",
    );
    assert.equal(
      restarted.droppedTotal - before,
      outcomes.reduce((sum, o) => sum + o.droppedForSpace, 0),
    );
    assert.equal(JSON.parse(restarted.peekAfter(0, 100_000).at(-1)?.payload ?? "{}").n, n - 1);
  });

  it("on a full disk with nothing to drop, refuses the reading with QueueDiskFullError and stays usable", (t) => {
    const queue = ReadingQueue.open(join(tempStateDir(t), "q.sqlite"), 100, { maxPages: 6 });
    t.after(() => queue.close());
    // A reading larger than the pages left: nothing older could make room for it.
    assert.throws(
      () => queue.append("x".repeat(64 * 1024), 1),
      (error: Error) =>
        error instanceof QueueDiskFullError && error.message === "nothing in the queue to drop",
    );
    assert.equal(queue.size, 0);
    assert.equal(queue.append("small", 2).seq > 0, true, "a reading that fits is still queued");
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
