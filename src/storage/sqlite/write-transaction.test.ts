import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { inWriteTransaction } from "./write-transaction.ts";

// Another connection, on its own thread, holds the write lock until `holdMs` have passed, then
// commits and raises the shared flag.
const LOCK_HOLDER = `
  const { parentPort, workerData } = require("node:worker_threads");
  const Database = require(workerData.module);
  const db = new Database(workerData.file);
  db.exec("BEGIN IMMEDIATE; INSERT INTO t VALUES ('other connection')");
  parentPort.postMessage("locked");
  setTimeout(() => {
    db.exec("COMMIT");
    db.close();
    Atomics.store(new Int32Array(workerData.released), 0, 1);
  }, workerData.holdMs);
`;

test("a write transaction that reads first waits for another connection's write lock instead of failing", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "aiida-tx-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "db.sqlite");
  const db = new Database(file);
  t.after(() => db.close());
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  db.exec("CREATE TABLE t (v TEXT)");

  const released = new SharedArrayBuffer(4);
  const holder = new Worker(LOCK_HOLDER, {
    eval: true,
    workerData: {
      file,
      module: createRequire(import.meta.url).resolve("better-sqlite3"),
      released,
      holdMs: 300,
    },
  });
  await once(holder, "message");
  // The attempt must start while the lock is held, or the test would prove nothing.
  assert.equal(Atomics.load(new Int32Array(released), 0), 0, "the other connection still holds the lock");
  inWriteTransaction(db, () => {
    const seen = (db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n;
    db.prepare("INSERT INTO t VALUES (?)").run(`after ${seen} other row(s)`);
  });
  await once(holder, "exit");
  const rows = (db.prepare("SELECT v FROM t ORDER BY rowid").all() as { v: string }[]).map((r) => r.v);
  assert.deepEqual(rows, ["other connection", "after 1 other row(s)"]);
});
