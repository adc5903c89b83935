import assert from "node:assert/strict";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import mqtt, { type MqttClient } from "mqtt";
import { DeviceDirectory } from "../../src/broker/device-directory.ts";
import { EmbeddedBroker } from "../../src/broker/embedded-broker.ts";
import { silentLogger } from "../../src/platform/logger.ts";
import { hashDevicePassword } from "../../src/platform/secrets.ts";
import { DataSourceKeys } from "../../src/storage/sqlite/data-source-keys.ts";
import { SqliteDataSourceStore } from "../../src/storage/sqlite/data-source-repository.ts";
import { SqliteDeviceSessionStore } from "../../src/storage/sqlite/device-session-repository.ts";
import { openDatabase } from "../../src/storage/sqlite/open-database.ts";
import { testDataSource } from "../helpers/data-source-fixture.ts";
import { GatedSessionStore } from "../helpers/gated-session-store.ts";
import { tempDataDir } from "../helpers/hub-harness.ts";
import { waitFor } from "../helpers/wait-for.ts";

const SOURCE = "00000000-0000-4000-8000-0000000000aa";
const PASSWORD = "device-password";
const CLIENT_ID = "meter-1";
const FEEDBACK = `aiida/${SOURCE}/feedback`;

/** The hub's device endpoint alone, over a real SQLite file whose session store the test can hold back. */
async function startBroker(t: TestContext) {
  const db = openDatabase(join(tempDataDir(t), "hub.sqlite"));
  const password = hashDevicePassword(PASSWORD);
  const source = testDataSource(SOURCE);
  await new SqliteDataSourceStore(db, DataSourceKeys.load(db)).create(source, password);
  const directory = new DeviceDirectory();
  directory.put({ source, password });
  const store = new GatedSessionStore(new SqliteDeviceSessionStore(db));
  const broker = new EmbeddedBroker(
    { maxPacketBytes: 1 << 20, receiveMaximum: 100, topicAliasMaximum: 10, connectDeadlineMs: 5000 },
    directory,
    // The device only listens here: a message it publishes is a fault of the test.
    () => Promise.reject(new Error("this test publishes nothing")),
    { connected: () => {}, disconnected: () => {} },
    silentLogger,
  );
  const port = await broker.listen("127.0.0.1", 0, store);
  t.after(async () => {
    await broker.close();
    db.close();
  });
  return { broker, store, url: `mqtt://127.0.0.1:${port}` };
}

/** A device with a kept session (MQTT 3.1.1, clean=false); every feedback report it gets, in order. */
async function connectDevice(t: TestContext, url: string) {
  const client: MqttClient = mqtt.connect(url, {
    username: SOURCE,
    password: PASSWORD,
    clientId: CLIENT_ID,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  t.after(() => client.endAsync(true));
  // Listening before the CONNACK: a kept session's queued reports may follow it at once.
  const reports: string[] = [];
  client.on("message", (topic, payload) => {
    if (topic === FEEDBACK) reports.push(payload.toString());
  });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  return { client, reports };
}

test("a device that comes back gets its queued reports first, then those sent while they were read, each once", async (t) => {
  const { broker, store, url } = await startBroker(t);
  const first = await connectDevice(t, url);
  await first.client.subscribeAsync(FEEDBACK, { qos: 1 });
  await first.client.endAsync();
  await waitFor(() => !broker.isConnected(SOURCE) || undefined, "the hub to see the device go");
  broker.sendFeedback(SOURCE, { n: 1 });
  broker.sendFeedback(SOURCE, { n: 2 });
  await waitFor(async () => (await store.queued(CLIENT_ID)).length === 2 || undefined, "two reports queued");

  // The store answers the reconnect's read late; a report comes live meanwhile.
  const reads = store.calls.get("queued") ?? 0;
  const release = store.hold("queued");
  const again = await connectDevice(t, url);
  await waitFor(() => (store.calls.get("queued") ?? 0) > reads || undefined, "the queued reports asked for");
  broker.sendFeedback(SOURCE, { n: 3 });
  release();

  await waitFor(() => again.reports.length >= 3 || undefined, "three reports");
  await waitFor(
    async () => (await store.queued(CLIENT_ID)).length === 0 || undefined,
    "the queue acknowledged",
  );
  // One more behind them on the same connection: a report sent twice would have come before it.
  broker.sendFeedback(SOURCE, { n: 4 });
  await waitFor(() => again.reports.length >= 4 || undefined, "the fourth report");
  assert.deepEqual(
    again.reports.map((r) => (JSON.parse(r) as { n: number }).n),
    [1, 2, 3, 4],
  );
});
