import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { queueFilePath, ReadingQueue } from "../../src/device/reading-queue.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { freePort } from "./helpers/free-port.ts";
import { printedPayloads, spawnPublisher } from "./helpers/publisher-process.ts";
import { tempStateDir } from "./helpers/run-publisher.ts";

interface RecordDto {
  readonly timestamp: string;
  readonly receivedAt: string;
}

function timeOf(payload: string): string {
  return (JSON.parse(payload) as { "dateAndOrTime.dateTime": string })["dateAndOrTime.dateTime"];
}

describe("the publisher is killed while the hub is down, then both come back", () => {
  it("sends the whole backlog it had on disk, in order, with the original timestamps", async (t) => {
    const port = await freePort();
    const firstHub = await startTestHub(t, { config: { mqttPort: String(port) } });
    const creds = await firstHub.createDataSource({ name: "Killed publisher" });
    await firstHub.stop();

    const stateDir = tempStateDir(t);
    const args = [
      "publish",
      "simulate",
      "--broker",
      `mqtt://127.0.0.1:${port}`,
      "--username",
      creds.id,
      "--password",
      creds.password,
      "--state-dir",
      stateDir,
      "--interval",
      "0.1",
      "--reconnect-max",
      "1",
      "--seed",
      "5",
      "--verbose",
    ];
    const first = spawnPublisher(t, args);
    await waitFor(
      () => printedPayloads(first.stdout()).length >= 10,
      "ten readings queued while the hub is down",
    );
    first.child.kill("SIGKILL");
    assert.equal((await first.exited).signal, "SIGKILL");

    // What the killed process left on disk is the backlog; every reading it printed must be in it.
    const queue = ReadingQueue.open(queueFilePath(stateDir, creds.id), 1_000_000);
    const backlog = queue.peekAfter(0, 100_000).map((r) => r.payload);
    queue.close();
    const printed = printedPayloads(first.stdout());
    assert.ok(backlog.length >= printed.length);
    assert.deepEqual(backlog.slice(0, printed.length), printed);

    const hub = await startTestHub(t, { dataDir: firstHub.dataDir, config: { mqttPort: String(port) } });
    const second = spawnPublisher(t, args);
    const stored = async () => {
      const page = await hub.api("GET", `/api/datasources/${creds.id}/records?limit=1000`);
      return page.body.records as RecordDto[];
    };
    await waitFor(
      async () => (await stored()).length >= backlog.length + 3,
      "the backlog and fresh readings in the hub",
    );
    second.child.kill("SIGTERM");
    assert.equal((await second.exited).code, 0, second.stderr());
    assert.match(second.stderr(), new RegExp(`holds ${backlog.length} readings from before, sent first`));

    const records = (await stored()).toReversed();
    const byTime = new Map(records.map((r) => [r.timestamp, r]));
    for (const payload of backlog)
      assert.ok(byTime.has(timeOf(payload)), `backlog reading ${timeOf(payload)} is stored`);
    const backlogReceipts = backlog.map((p) => Date.parse(byTime.get(timeOf(p))?.receivedAt ?? ""));
    assert.ok(
      backlogReceipts.every((at, i) => i === 0 || at >= (backlogReceipts[i - 1] ?? 0)),
      "the backlog arrived in the order it was read",
    );
    const fresh = printedPayloads(second.stdout()).map(timeOf);
    assert.ok(fresh.length >= 3);
    assert.ok(timeOf(backlog.at(-1) ?? "") < (fresh[0] ?? ""), "old readings keep their old timestamps");
  });
});
