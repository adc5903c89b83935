import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { sharingTopics } from "../../src/domain/sharing-topics.ts";
import { silentLogger } from "../../src/platform/logger.ts";
import { EpConnection } from "../../src/sharing/streaming/ep-connection.ts";
import type { OutboxMessage } from "../../src/storage/ports.ts";
import { openDatabase } from "../../src/storage/sqlite/open-database.ts";
import { SqliteSharingOutboxStore } from "../../src/storage/sqlite/sharing-outbox-repository.ts";
import { tempDataDir } from "../helpers/hub-harness.ts";
import { collectMessages, startStandInEpBroker } from "../helpers/stand-in-ep-broker.ts";
import { waitFor } from "../helpers/wait-for.ts";

/**
 * One permission's connection to a stand-in for EDDIE's broker, publishing from a real SQLite outbox
 * whose answers the test can hold back (as a database server's come late): `hold()` keeps the rows of
 * every later read, as they were when read, until its release is called.
 */
async function setUp(t: TestContext) {
  const broker = await startStandInEpBroker(t);
  const eddie = await broker.connectEddie(t);
  await eddie.subscribeAsync({ "aiida/v1/+/data/outbound/+": { qos: 1 } });
  const received = collectMessages(eddie);
  const db = openDatabase(join(tempDataDir(t), "hub.sqlite"));
  const store = new SqliteSharingOutboxStore(db);
  const permissionId = randomUUID();
  const password = `pw-${randomUUID()}`;
  broker.grant(permissionId, password);
  const topics = sharingTopics(permissionId);
  let gate: Promise<void> | undefined;
  let reads = 0;
  /** What the test does when EDDIE's broker acknowledged a message; by default it is recorded at once. */
  let onDelivered = async (message: OutboxMessage) => {
    await store.delivered([{ id: message.id, sentAt: Date.now() }]);
    connection.settled(message.id);
  };
  const connection = new EpConnection(
    {
      serverUri: broker.url,
      brokerUrl: broker.url,
      username: permissionId,
      password,
      dataTopic: topics.data,
      statusTopic: topics.status,
      commandTopic: topics.command,
      acknowledgementTopic: null,
    },
    {
      outbox: async (limit, includeData) => {
        reads += 1;
        const rows = await store.next(permissionId, limit, includeData);
        if (gate !== undefined) await gate;
        return rows;
      },
      delivered: (message) => {
        void onDelivered(message);
      },
      command: () => {},
      refused: () => {},
    },
    silentLogger,
    { reconnectInitialMs: 50, reconnectMaxMs: 200, connectTimeoutMs: 5000, maxInFlight: 8 },
  );
  t.after(async () => {
    await connection.close();
    db.close();
  });
  const append = (...payloads: string[]) =>
    store.append([
      {
        permissionId,
        entries: payloads.map((payload) => ({
          permissionId,
          kind: "data" as const,
          channel: "SMART-METER-P1-RAW",
          topic: `aiida/v1/${permissionId}/data/outbound/smart-meter-p1-raw`,
          payload,
          retain: false,
          dataTags: [],
          createdAt: Date.now(),
        })),
        maxDataMessages: 100,
        inFlight: connection.handedIds(),
      },
    ]);
  return {
    connection,
    append,
    store,
    permissionId,
    payloads: () => received.map((m) => m.payload),
    reads: () => reads,
    hold: () => {
      let release = () => {};
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
    setOnDelivered: (handler: typeof onDelivered) => {
      onDelivered = handler;
    },
  };
}

describe("publishing the outbox when the store answers late", () => {
  it("pumps asked for during a read wait for it, so no message goes out twice", async (t) => {
    const side = await setUp(t);
    await side.append("a", "b", "c");
    const release = side.hold();
    side.connection.open();
    await waitFor(() => side.connection.connected || undefined, "the connection");
    const readsBefore = side.reads();
    side.connection.pump();
    side.connection.pump();
    side.connection.pump();
    release();
    await waitFor(() => side.payloads().length >= 3 || undefined, "three messages");
    await waitFor(
      async () => (await side.store.next(side.permissionId, 10, true)).length === 0 || undefined,
      "every PUBACK recorded",
    );
    assert.ok(side.reads() - readsBefore <= 3, "one read per pump at most");
    // One more behind them: a message published twice would have reached EDDIE before it.
    await side.append("d");
    side.connection.pump();
    await waitFor(() => side.payloads().length >= 4 || undefined, "the fourth message");
    assert.deepEqual(side.payloads(), ["a", "b", "c", "d"]);
  });

  it("a message settled while a read was under way is not published again from that read", async (t) => {
    const side = await setUp(t);
    side.connection.open();
    await waitFor(() => side.connection.connected || undefined, "the connection");
    let recorded = 0;
    side.setOnDelivered(async (message) => {
      // Runs before the pump the acknowledgement starts: that pump's read is held back (it still lists
      // this message) until the delivery is recorded and settled.
      const release = side.hold();
      const readsBefore = side.reads();
      await waitFor(() => side.reads() > readsBefore || undefined, "the pump's read");
      await side.store.delivered([{ id: message.id, sentAt: Date.now() }]);
      side.connection.settled(message.id);
      recorded += 1;
      release();
    });
    await side.append("a");
    side.connection.pump();
    await waitFor(() => recorded >= 1 || undefined, "the delivery of the first message recorded");
    // One more behind it: had the held read published the first message again, it would come before.
    await side.append("b");
    side.connection.pump();
    await waitFor(() => side.payloads().length >= 2 || undefined, "the second message");
    // The second delivery is recorded by the handler too: the test ends (and closes the outbox) after it.
    await waitFor(() => recorded >= 2 || undefined, "the delivery of the second message recorded");
    assert.deepEqual(side.payloads(), ["a", "b"]);
  });
});
