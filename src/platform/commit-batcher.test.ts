import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import { CommitBatcher } from "./commit-batcher.ts";

/** A store whose commits the test finishes by hand, in any order it likes. */
class ManualStore {
  readonly commits: { items: number[]; finish: (err?: Error) => void }[] = [];
  commit = (items: number[]): Promise<void> =>
    new Promise((resolve, reject) => {
      this.commits.push({ items, finish: (err) => (err ? reject(err) : resolve()) });
    });
}

test("items of one turn share a commit; later items are handed over while earlier commits run", async () => {
  const store = new ManualStore();
  const batcher = new CommitBatcher(store.commit, 100, 2);
  const settled: number[] = [];
  const submit = (n: number) => batcher.submit(n).then(() => settled.push(n));
  const first = [submit(1), submit(2)];
  await nextTurn();
  assert.deepEqual(
    store.commits.map((c) => c.items),
    [[1, 2]],
  );
  const second = submit(3);
  await nextTurn();
  assert.deepEqual(
    store.commits.map((c) => c.items),
    [[1, 2], [3]],
    "the second commit starts before the first has finished",
  );
  const third = submit(4);
  for (let i = 0; i < 5; i++) await nextTurn();
  assert.equal(store.commits.length, 2, "no more than two commits at once");
  assert.deepEqual(settled, [], "nothing settles before its commit");

  store.commits[0]?.finish();
  await Promise.all(first);
  assert.deepEqual(settled, [1, 2]);
  await nextTurn();
  assert.deepEqual(store.commits[2]?.items, [4], "a freed slot takes the waiting item");
  store.commits[1]?.finish();
  store.commits[2]?.finish();
  await Promise.all([second, third]);
  assert.deepEqual(settled, [1, 2, 3, 4]);
});

test("a failed commit rejects exactly its own items, and drain waits for every commit", async () => {
  const store = new ManualStore();
  const batcher = new CommitBatcher(store.commit, 100, 4);
  const a = batcher.submit(1);
  await nextTurn();
  const b = batcher.submit(2);
  await nextTurn();
  let drained = false;
  const drain = batcher.drain().then(() => {
    drained = true;
  });
  store.commits[1]?.finish();
  await b;
  await nextTurn();
  assert.equal(drained, false, "one commit is still running");
  store.commits[0]?.finish(new Error("disk full"));
  await assert.rejects(a, /disk full/);
  await drain;
  assert.equal(drained, true);
});

test("drain waits for what was submitted before it, not for items that keep arriving", async () => {
  const store = new ManualStore();
  const batcher = new CommitBatcher(store.commit, 100, 4);
  const first = batcher.submit(1);
  await nextTurn();
  const drain = batcher.drain();
  const later = batcher.submit(2);
  await nextTurn();
  store.commits[0]?.finish();
  await first;
  await drain; // resolves although item 2's commit is still running
  assert.equal(store.commits.length, 2);
  store.commits[1]?.finish();
  await later;
});

test("a batch holds at most maxBatch items", async () => {
  const store = new ManualStore();
  const batcher = new CommitBatcher(store.commit, 2, 8);
  const all = [1, 2, 3, 4, 5].map((n) => batcher.submit(n));
  for (let i = 0; i < 4; i++) await nextTurn();
  assert.deepEqual(
    store.commits.map((c) => c.items),
    [[1, 2], [3, 4], [5]],
  );
  for (const c of store.commits) c.finish();
  await Promise.all(all);
});

test("a commit that one item fails is tried again in pieces: only that item is rejected", async () => {
  const commits: number[][] = [];
  const commit = async (items: number[]) => {
    commits.push(items);
    if (items.includes(3)) throw Object.assign(new Error("item 3 breaks a constraint"), { isolable: true });
  };
  const batcher = new CommitBatcher(
    commit,
    100,
    4,
    (err) => (err as { isolable?: boolean }).isolable === true,
  );
  const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"],
  );
  assert.match(String((results[2] as PromiseRejectedResult).reason), /item 3 breaks a constraint/);
  assert.deepEqual(commits[0], [1, 2, 3, 4, 5]);
  assert.ok(commits.length <= 7, `${commits.length} commits`);
});

test("a failure that every commit would meet (disk full) is not tried again piece by piece", async () => {
  let commits = 0;
  const commit = async () => {
    commits++;
    throw new Error("disk full");
  };
  const batcher = new CommitBatcher(
    commit,
    100,
    4,
    (err) => (err as { isolable?: boolean }).isolable === true,
  );
  const results = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.submit(n)));
  assert.ok(results.every((r) => r.status === "rejected"));
  assert.equal(commits, 1);
});
