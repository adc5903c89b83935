import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { test } from "node:test";
import mqtt from "mqtt";
import { DeviceDirectory } from "../../src/broker/device-directory.ts";
import type { DataSource } from "../../src/domain/data-source.ts";
import { dataTopic } from "../../src/domain/data-source.ts";
import { DeviceBrokerConsumer, type DeviceMessageIngest } from "../../src/emqx/device-broker-consumer.ts";
import { silentLogger } from "../../src/platform/logger.ts";
import { hashDevicePassword } from "../../src/platform/secrets.ts";
import { testDataSource } from "../helpers/data-source-fixture.ts";
import { waitFor } from "../helpers/wait-for.ts";

/** The real Mosquitto every test shares; it stands in for EMQX. */
const MOSQUITTO = "mqtt://127.0.0.1:1883";

/** A directory holding one enabled data source with a fresh id (unique on the shared broker). */
function directoryWithOneSource(): { directory: DeviceDirectory; source: DataSource } {
  const source = testDataSource(randomUUID());
  const directory = new DeviceDirectory();
  directory.put({ source, password: hashDevicePassword("unused") });
  return { directory, source };
}

function consumer(clientId: string, directory: DeviceDirectory, ingest: DeviceMessageIngest) {
  return new DeviceBrokerConsumer(
    {
      settings: { url: MOSQUITTO, username: undefined, password: undefined, clientId },
      sessionExpirySeconds: 60,
    },
    (id) => directory.get(id)?.source,
    ingest,
    async () => undefined,
    silentLogger,
  );
}

async function publishOnce(topic: string, payload: string): Promise<void> {
  const device = await mqtt.connectAsync(MOSQUITTO, { protocolVersion: 5, reconnectPeriod: 0 });
  await device.publishAsync(topic, payload, { qos: 1 });
  await device.endAsync();
}

/** Removes a kept session from the broker. */
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

test("a message whose commit failed is not acknowledged: the broker delivers it again and it is stored then", async (t) => {
  const clientId = `aiida-hub-test-${randomBytes(6).toString("hex")}`;
  t.after(() => forgetSession(clientId));
  const { directory, source } = directoryWithOneSource();
  const attempts: string[] = [];
  const committed: string[] = [];
  const hub = consumer(clientId, directory, async (_source, payload) => {
    attempts.push(payload.toString());
    if (attempts.length === 1) throw new Error("the database is away");
    committed.push(payload.toString());
  });
  await hub.start();
  t.after(() => hub.stop());

  await publishOnce(dataTopic(source.id), "first");

  await waitFor(() => committed.length === 1, "the message stored on its second delivery");
  assert.deepEqual(attempts, ["first", "first"]);
  assert.equal(hub.stored, 1);
});

test("the broker gets no acknowledgement before the commit: a hub gone mid-commit gets the message again", async (t) => {
  const clientId = `aiida-hub-test-${randomBytes(6).toString("hex")}`;
  t.after(() => forgetSession(clientId));
  const { directory, source } = directoryWithOneSource();
  let started = false;
  // A commit that never finishes: the hub is killed in the middle of it.
  const stuck = consumer(clientId, directory, () => {
    started = true;
    return new Promise(() => {});
  });
  await stuck.start();
  await publishOnce(dataTopic(source.id), "in flight");
  await waitFor(() => started, "the commit has begun");
  // Gone without a clean stop (stop would wait for the commit), as a crashed process is.
  (stuck as unknown as { client: mqtt.MqttClient }).client.end(true);

  const received: string[] = [];
  const resumed = consumer(clientId, directory, async (_source, payload) => {
    received.push(payload.toString());
  });
  await resumed.start();
  t.after(() => resumed.stop());
  await waitFor(() => received.length === 1, "the message delivered again to the resumed session");
  assert.deepEqual(received, ["in flight"]);
});
