import assert from "node:assert/strict";
import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import Database from "better-sqlite3";
import mqtt from "mqtt";
import type { ReadingSource } from "../../src/device/meter-reading.ts";
import {
  DISK_RESERVE_BYTES,
  QueueDiskFullError,
  queueFilePath,
  ReadingQueue,
} from "../../src/device/reading-queue.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { startJsonMeter } from "./helpers/fake-meters.ts";
import { startMosquitto } from "./helpers/mosquitto.ts";
import { payloadNumber } from "./helpers/numbered-payload.ts";
import { printedPayloads, spawnPublisher } from "./helpers/publisher-process.ts";
import { runPublisher } from "./helpers/run-publisher.ts";
import { fillDisk, mountTinyDisk } from "./helpers/tiny-disk.ts";

const MIB = 1024 * 1024;
const DEVICE = { id: "3e5b2c1d-7f4a-4b8e-9c6d-0a1b2c3d4e5f", password: "device-secret" };

/** Counts the DELETE statements SQLite runs from now to the end of the test. */
function countDeleteStatements(t: TestContext): () => number {
  const probe = new Database(":memory:");
  const statementPrototype: { run(...parameters: unknown[]): unknown } = Object.getPrototypeOf(
    probe.prepare("SELECT 1"),
  );
  probe.close();
  const run = t.mock.method(statementPrototype, "run");
  return () =>
    run.mock.calls.filter((call) => /^DELETE\b/i.test((call.this as { source: string }).source)).length;
}

describe("the queue's disk fills up (a real tmpfs)", () => {
  it("drops the oldest readings to make room, deletes what is acknowledged, survives a restart, recovers", (t) => {
    // Room for the write-ahead log (up to 4 MiB before it is reused), the reserve, and the reserve again.
    const dir = mountTinyDisk(t, 8 * MIB);
    if (dir === undefined) return;
    const file = join(dir, "q.sqlite");
    let queue = ReadingQueue.open(file, 100_000);
    t.after(() => queue.close());
    assert.equal(
      statSync(`${file}.reserve`).size,
      DISK_RESERVE_BYTES,
      "the reserve is taken while there is room",
    );
    let n = 0;
    while (n < 300) queue.append(payloadNumber(n), n++);
    const filler = fillDisk(dir);

    const onFullDisk = Array.from({ length: 1000 }, () => queue.append(payloadNumber(n), n++));
    const droppedForSpace = onFullDisk.reduce((sum, o) => sum + o.droppedForSpace, 0);
    assert.ok(droppedForSpace > 0, "the full disk made the queue drop its oldest readings");
    assert.equal(queue.droppedTotal, droppedForSpace, "every drop is counted");
    const kept = queue.peekAfter(0, 100_000).map((r) => JSON.parse(r.payload).n as number);
    assert.equal(kept.at(-1), n - 1, "the newest reading is queued");
    assert.deepEqual(
      kept,
      [...kept].sort((a, b) => a - b),
      "in order",
    );

    for (const reading of queue.peekAfter(0, 10)) {
      assert.equal(
        queue.acknowledge(reading.seq),
        undefined,
        "an acknowledged reading is deleted on the full disk",
      );
    }

    queue.close();
    const keptAsReserve = statSync(`${file}.reserve`).size;
    assert.ok(
      keptAsReserve > 0 && keptAsReserve <= DISK_RESERVE_BYTES,
      `stopping on the full disk keeps (up to the reserve's size) the room the write-ahead log gave back: ${keptAsReserve}`,
    );
    queue = ReadingQueue.open(file, 100_000);
    const afterRestart = Array.from({ length: 300 }, () => queue.append(payloadNumber(n), n++));
    assert.ok(
      afterRestart.every((o) => o.seq > 0),
      "a restart on the full disk queues readings",
    );
    assert.equal(JSON.parse(queue.peekAfter(0, 100_000).at(-1)?.payload ?? "{}").n, n - 1);

    rmSync(filler);
    const recovered = queue.append(payloadNumber(n), n++);
    assert.equal(recovered.diskHasRoomAgain, true);
    assert.equal(statSync(`${file}.reserve`).size, DISK_RESERVE_BYTES, "the reserve is back");
  });

  it("an acknowledged reading whose delete fails is never handed out again, and is deleted once there is room", (t) => {
    // Big enough that, once the filler is gone, the reserve fits again twice over.
    const dir = mountTinyDisk(t, 4 * MIB);
    if (dir === undefined) return;
    const file = join(dir, "q.sqlite");
    const before = ReadingQueue.open(file, 100);
    const seqs = [0, 1, 2].map((n) => before.append(payloadNumber(n), n).seq);
    before.close();
    rmSync(`${file}.reserve`, { force: true });
    const filler = fillDisk(dir);
    const queue = ReadingQueue.open(file, 100);
    t.after(() => queue.close());

    const failure = queue.acknowledge(seqs[1] ?? 0);
    assert.deepEqual(failure, { diskFull: true, message: "the disk is full", waiting: 1 });
    assert.equal(queue.size, 2);
    assert.deepEqual(
      queue.peekAfter(0, 10).map((r) => r.seq),
      [seqs[0], seqs[2]],
      "skipped when the backlog is read again",
    );

    rmSync(filler);
    queue.append(payloadNumber(3), 3);
    queue.close();
    const reopened = ReadingQueue.open(file, 100);
    t.after(() => reopened.close());
    assert.deepEqual(
      reopened.peekAfter(0, 10).map((r) => JSON.parse(r.payload).n),
      [0, 2, 3],
      "the next write deleted it from the file",
    );
  });

  it("where no delete fits, acknowledging a backlog retries the deletes now and then, not at every acknowledgement", (t) => {
    // Room for the write-ahead log of the appends (up to 4 MiB before it is reused) and the reserve.
    const dir = mountTinyDisk(t, 8 * MIB);
    if (dir === undefined) return;
    const file = join(dir, "q.sqlite");
    const limit = 300;
    const before = ReadingQueue.open(file, limit);
    // One more than the limit: the oldest is dropped, as a reading in flight can be before its PUBACK.
    const [droppedByLimit = 0, ...queued] = Array.from(
      { length: limit + 1 },
      (_, n) => before.append(payloadNumber(n), n).seq,
    );
    assert.equal(before.droppedTotal, 1, "only the limit dropped a reading");
    before.close();
    // As if an earlier full disk had used the reserve up: nothing on this disk makes room for a delete.
    rmSync(`${file}.reserve`, { force: true });
    const filler = fillDisk(dir);
    let queue = ReadingQueue.open(file, limit);
    t.after(() => queue.close());
    const deleteStatements = countDeleteStatements(t);

    assert.equal(
      queue.acknowledge(droppedByLimit),
      undefined,
      "a reading no longer queued has nothing to delete",
    );
    queued.forEach((seq, i) => {
      assert.deepEqual(queue.acknowledge(seq), {
        diskFull: true,
        message: "the disk is full",
        waiting: i + 1,
      });
    });
    assert.equal(queue.acknowledge(droppedByLimit), undefined);
    assert.equal(queue.size, 0, "every queued reading is acknowledged, and only those");
    assert.ok(
      deleteStatements() < queued.length,
      `${deleteStatements()} DELETE statements for ${queued.length} acknowledgements: not one per waiting reading at each`,
    );

    assert.throws(() => queue.append(payloadNumber(limit), limit), QueueDiskFullError);
    assert.deepEqual(
      queue.peekAfter(0, limit),
      [],
      "the failed append's drops rolled back, acknowledgements too",
    );
    assert.equal(queue.size, 0);

    rmSync(filler);
    queue.append(payloadNumber(limit + 1), limit + 1);
    queue.close();
    queue = ReadingQueue.open(file, limit);
    assert.deepEqual(
      queue.peekAfter(0, limit).map((r) => JSON.parse(r.payload).n),
      [limit + 1],
      "once there is room, the next append deleted every acknowledged reading from the file",
    );
  });

  it("sends a backlog once even where no delete fits on the disk: acknowledged readings are not resent", async (t) => {
    const dir = mountTinyDisk(t, 2 * MIB);
    if (dir === undefined) return;
    const file = queueFilePath(dir, DEVICE.id);
    const backlog = ReadingQueue.open(file, 100_000);
    const seqs = Array.from({ length: 30 }, (_, n) => backlog.append(payloadNumber(n), n).seq);
    backlog.close();
    // As if an earlier full disk had used the reserve up: nothing on this disk makes room for a delete.
    rmSync(`${file}.reserve`, { force: true });
    fillDisk(dir);
    assert.equal(existsSync(`${file}.reserve`), false);

    const broker = await startMosquitto(t, { [DEVICE.id]: DEVICE.password });
    const nothingToRead: ReadingSource = {
      description: "nothing to read",
      bulk: true,
      async *events() {},
      close: async () => {},
    };
    const publisher = runPublisher(t, {
      source: nothingToRead,
      broker: broker.url,
      username: DEVICE.id,
      password: DEVICE.password,
      stateDir: dir,
    });
    assert.equal(await publisher.outcome, "done", "everything acknowledged, nothing left to send");
    const { recorder } = publisher;
    assert.deepEqual(
      recorder.of("acknowledged").map((a) => a.seq),
      seqs,
      "each reading acknowledged exactly once, in order",
    );
    const deleteFailures = recorder.of("delete-failed");
    assert.ok(deleteFailures.length > 0, "the deletes did fail on the full disk");
    assert.equal(deleteFailures[0]?.diskFull, true);
  });

  it("the publish CLI keeps running: says the disk is full in one line, no stack, and new readings still arrive", async (t) => {
    const dir = mountTinyDisk(t, 8 * MIB);
    if (dir === undefined) return;
    const observer = { name: "observer", password: "observer-secret" };
    const broker = await startMosquitto(t, {
      [DEVICE.id]: DEVICE.password,
      [observer.name]: observer.password,
    });
    // The broker is down at first, so the backlog grows on the disk.
    await broker.stop();
    const meter = await startJsonMeter(t, {
      "/rest": () => ({ "1.7.0": 420, "2.7.0": 0, "1.8.0": 1234567, "2.8.0": 7654321 }),
    });
    const publisher = spawnPublisher(t, [
      "publish",
      "rest",
      "--url",
      meter.baseUrl,
      "--interval",
      "0.02",
      "--broker",
      broker.url,
      "--username",
      DEVICE.id,
      "--password",
      DEVICE.password,
      "--state-dir",
      dir,
      "--reconnect-max",
      "1",
      "--verbose",
    ]);
    await waitFor(() => printedPayloads(publisher.stdout()).length >= 50, "fifty readings queued");
    fillDisk(dir);
    await waitFor(
      () => /disk full: dropped the oldest \d+ readings? to make room/.test(publisher.stderr()),
      "the publisher to say the disk is full",
      30_000,
    );
    const fullAt = Date.now();

    await broker.start();
    const received: string[] = [];
    const client = await mqtt.connectAsync(broker.url, {
      username: observer.name,
      password: observer.password,
      reconnectPeriod: 100,
    });
    t.after(() => client.endAsync(true));
    client.on("message", (_topic, payload) => received.push(payload.toString()));
    await client.subscribeAsync(`aiida/${DEVICE.id}/data`, { qos: 1 });
    const timeOf = (payload: string) => Date.parse(JSON.parse(payload)["dateAndOrTime.dateTime"]);
    await waitFor(
      () => received.filter((payload) => timeOf(payload) > fullAt).length >= 10,
      "ten readings taken after the disk filled, at the broker",
      30_000,
    );

    assert.equal(publisher.child.exitCode, null, "still running");
    publisher.child.kill("SIGINT");
    assert.equal((await publisher.exited).code, 0);
    const stderr = publisher.stderr();
    assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
    assert.doesNotMatch(stderr, /SQLITE_FULL|SqliteError/, "said in words");
    assert.equal(stderr.match(/disk full: dropped/g)?.length, 1, "said once, not at every drop");
  });

  it("a first start on a full disk says so in one sentence (exit 2) instead of a stack", async (t) => {
    const dir = mountTinyDisk(t, 1 * MIB);
    if (dir === undefined) return;
    fillDisk(dir);
    const publisher = spawnPublisher(t, [
      "publish",
      "simulate",
      "--broker",
      "mqtt://127.0.0.1:1",
      "--username",
      DEVICE.id,
      "--password",
      DEVICE.password,
      "--state-dir",
      dir,
      "--once",
    ]);
    assert.equal((await publisher.exited).code, 2);
    assert.equal(
      publisher.stderr(),
      `error: the disk holding ${dir} is full: the queue cannot be created there; ` +
        "free some space or choose another --state-dir\n",
    );
  });
});
