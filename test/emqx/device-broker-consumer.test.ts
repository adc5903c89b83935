import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, type TestContext, test } from "node:test";
import mqtt, { type MqttClient } from "mqtt";
import { ConfigError } from "../../src/config/hub-config.ts";
import { dataTopic, feedbackTopic } from "../../src/domain/data-source.ts";
import { createHub, SECRET_KEY_FILE } from "../../src/hub.ts";
import { type Logger, silentLogger } from "../../src/platform/logger.ts";
import {
  capturingLogger,
  startTestHub,
  type TestHub,
  tempDataDir,
  testConfig,
} from "../helpers/hub-harness.ts";
import { type FreshDatabase, freshDatabase } from "../helpers/postgres.ts";
import { reading, storedValues, UNPARSABLE, waitForStored } from "../helpers/readings.ts";
import { waitFor } from "../helpers/wait-for.ts";

/** The real Mosquitto every test shares; it stands in for EMQX (MQTT 5, shared subscriptions, no auth). */
const MOSQUITTO = "mqtt://127.0.0.1:1883";

/** Short, so a session a crashed run left in the shared group is gone within a minute. */
const TEST_SESSION_EXPIRY_SECONDS = 60;

let database: FreshDatabase;
/** Where the key file of the first hub on the database is kept: every later hub must open the same secrets. */
let keyHome: string;
before(async () => {
  database = await freshDatabase();
  keyHome = mkdtempSync(join(tmpdir(), "aiida-hub-key-"));
});
after(async () => {
  await database.drop();
  rmSync(keyHome, { recursive: true, force: true });
});

/** A client id no other test run uses; its session at Mosquitto is removed when the test ends. */
function uniqueClientId(t: TestContext): string {
  const clientId = `aiida-hub-test-${randomBytes(6).toString("hex")}`;
  t.after(() => forgetSession(clientId));
  return clientId;
}

/** Ends a kept session at the broker: a clean start with session expiry 0, then a disconnect. */
async function forgetSession(clientId: string): Promise<void> {
  const client = await mqtt.connectAsync(MOSQUITTO, {
    protocolVersion: 5,
    clientId,
    clean: true,
    reconnectPeriod: 0,
    properties: { sessionExpiryInterval: 0 },
  });
  await client.endAsync();
}

/** A hub on the test database consuming from Mosquitto as `clientId`; every hub shares the first one's key file. */
async function startConsumingHub(
  t: TestContext,
  clientId: string,
  dataDir: string,
  logger?: Logger,
): Promise<TestHub> {
  return startTestHub(t, {
    dataDir,
    config: { databaseUrl: database.url, deviceBrokerUrl: MOSQUITTO, deviceBrokerClientId: clientId },
    hub: { deviceBrokerSessionExpirySeconds: TEST_SESSION_EXPIRY_SECONDS },
    ...(logger !== undefined && { logger }),
  });
}

/** A device publishing straight to Mosquitto, as it would to EMQX; disconnected when the test ends. */
async function device(t: TestContext): Promise<MqttClient> {
  const client = await mqtt.connectAsync(MOSQUITTO, {
    protocolVersion: 5,
    clientId: `device-${randomBytes(6).toString("hex")}`,
    reconnectPeriod: 0,
  });
  t.after(() => client.endAsync(true));
  return client;
}

/** A fresh data directory holding the database's key file (once a first hub made one). */
function sharedKeyDataDir(t: TestContext): string {
  const dir = tempDataDir(t);
  const kept = join(keyHome, SECRET_KEY_FILE);
  if (existsSync(kept)) copyFileSync(kept, join(dir, SECRET_KEY_FILE));
  return dir;
}

/** Keeps the key file the first hub made, for the hubs after it. */
function keepKeyFile(dataDir: string): void {
  const kept = join(keyHome, SECRET_KEY_FILE);
  if (!existsSync(kept)) copyFileSync(join(dataDir, SECRET_KEY_FILE), kept);
}

describe("the hub consuming device data from an external broker", () => {
  test("stores a device's message from the broker and publishes the feedback of a bad one to the device", async (t) => {
    const dataDir = sharedKeyDataDir(t);
    const hub = await startConsumingHub(t, uniqueClientId(t), dataDir);
    keepKeyFile(dataDir);
    const source = await hub.createDataSource();
    const meter = await device(t);
    const feedback: unknown[] = [];
    meter.on("message", (topic, payload) => {
      if (topic === feedbackTopic(source.id)) feedback.push(JSON.parse(payload.toString()));
    });
    await meter.subscribeAsync(feedbackTopic(source.id), { qos: 1 });

    await meter.publishAsync(dataTopic(source.id), reading(7), { qos: 1 });
    await waitForStored((path) => hub.api("GET", path), source.id, [7]);
    await meter.publishAsync(dataTopic(source.id), UNPARSABLE, { qos: 1 });

    const report = (await waitFor(() => feedback[0], "a feedback report on the device's topic")) as {
      dataSourceId: string;
      status: string;
    };
    assert.equal(report.dataSourceId, source.id);
    assert.equal(report.status, "rejected");
    assert.deepEqual(await storedValues((path) => hub.api("GET", path), source.id), [7]);
    assert.equal(hub.hub.internals.deviceBroker()?.stored, 2, "both messages committed and acknowledged");
  });

  test("drops and logs a message for an unknown or disabled data source, and goes on with the next", async (t) => {
    const logger = capturingLogger();
    const dataDir = sharedKeyDataDir(t);
    const hub = await startConsumingHub(t, uniqueClientId(t), dataDir, logger);
    keepKeyFile(dataDir);
    const disabled = await hub.createDataSource();
    assert.equal((await hub.api("PATCH", `/api/datasources/${disabled.id}`, { enabled: false })).status, 200);
    const enabled = await hub.createDataSource();
    const meter = await device(t);
    const unknownId = randomUUID();

    await meter.publishAsync(dataTopic(unknownId), reading(1), { qos: 1 });
    await meter.publishAsync(dataTopic(disabled.id), reading(2), { qos: 1 });
    await meter.publishAsync(dataTopic(enabled.id), reading(3), { qos: 1 });

    await waitForStored((path) => hub.api("GET", path), enabled.id, [3]);
    const dropped = logger.events.filter((e) => e.message.startsWith("device message dropped"));
    assert.deepEqual(
      dropped.map((e) => e.fields?.topic),
      [dataTopic(unknownId), dataTopic(disabled.id)],
    );
    assert.deepEqual(await storedValues((path) => hub.api("GET", path), disabled.id), []);
    const stats = (await hub.api("GET", `/api/datasources/${disabled.id}`)).body.stats;
    assert.equal(
      stats.messagesAccepted + stats.messagesRejected,
      0,
      "nothing accounted for the disabled one",
    );
  });

  test("two hubs in the shared group split the messages and store each once", async (t) => {
    const firstDir = sharedKeyDataDir(t);
    const first = await startConsumingHub(t, uniqueClientId(t), firstDir);
    keepKeyFile(firstDir);
    const second = await startConsumingHub(t, uniqueClientId(t), sharedKeyDataDir(t));
    const source = await first.createDataSource();
    const meter = await device(t);
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    for (const value of values) await meter.publishAsync(dataTopic(source.id), reading(value), { qos: 1 });

    await waitForStored((path) => first.api("GET", path), source.id, values);
    const byFirst = first.hub.internals.deviceBroker()?.stored ?? 0;
    const bySecond = second.hub.internals.deviceBroker()?.stored ?? 0;
    assert.equal(byFirst + bySecond, values.length, "each message stored by exactly one hub");
    assert.ok(byFirst > 0 && bySecond > 0, `both hubs took messages (${byFirst} and ${bySecond})`);
  });

  test("a message published while the hub is stopped is stored once it starts again", async (t) => {
    const clientId = uniqueClientId(t);
    const dataDir = sharedKeyDataDir(t);
    const hub = await startConsumingHub(t, clientId, dataDir);
    keepKeyFile(dataDir);
    const source = await hub.createDataSource();
    await hub.stop();

    const meter = await device(t);
    await meter.publishAsync(dataTopic(source.id), reading(42), { qos: 1 });

    const restarted = await startConsumingHub(t, clientId, dataDir);
    await waitForStored((path) => restarted.api("GET", path), source.id, [42]);
  });

  test("a device broker that cannot be used stops the start with one sentence, without the password", async (t) => {
    const dataDir = sharedKeyDataDir(t);
    const hub = createHub(
      testConfig(
        dataDir,
        {
          databaseUrl: database.url,
          // Nothing listens on port 1: the connection is refused.
          deviceBrokerUrl: "mqtt://127.0.0.1:1",
          deviceBrokerUsername: "aiida-hub",
          deviceBrokerClientId: uniqueClientId(t),
        },
        { AIIDA_HUB_DEVICE_BROKER_PASSWORD: "s3cret-broker-password" },
      ),
      silentLogger,
    );
    await assert.rejects(
      () => hub.start(),
      (err: unknown) =>
        err instanceof ConfigError &&
        /cannot consume device data from mqtt:\/\/127\.0\.0\.1:1 \(--device-broker\) as aiida-hub: .*ECONNREFUSED/.test(
          err.message,
        ) &&
        !err.message.includes("s3cret"),
    );
  });
});
