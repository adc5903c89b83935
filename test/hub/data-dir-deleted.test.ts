import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { describe, it } from "node:test";
import { CIM_SOURCE, capturingLogger, startTestHub, type TestHub } from "../helpers/hub-harness.ts";
import { connectDevice, whenClosed } from "../helpers/mqtt-device.ts";
import { waitFor } from "../helpers/wait-for.ts";

const message = (value: number) =>
  JSON.stringify({
    "dateAndOrTime.dateTime": new Date(Date.now() - 1000).toISOString(),
    Quantity: [{ quantity: value, type: "2" }],
  });

async function setUp(t: import("node:test").TestContext, logger = capturingLogger()) {
  const hub = await startTestHub(t, { logger });
  const creds = await hub.createDataSource();
  const device = await connectDevice(t, hub.mqttUrl, creds);
  await device.publishAsync(creds.topic, message(1), { qos: 1 });
  /** Publishes at QoS 1; resolves with whether it was acknowledged or the connection closed instead. */
  const publish = (value: number) =>
    Promise.race([
      device.publishAsync(creds.topic, message(value), { qos: 1 }).then(() => "acknowledged"),
      whenClosed(device).then(() => "disconnected"),
    ]);
  return { hub, creds, device, publish, logger };
}

async function assertDown(hub: TestHub, id: string): Promise<void> {
  const health = await hub.api("GET", "/api/health", undefined, null);
  assert.equal(health.status, 503);
  assert.equal(health.body.status, "DOWN");
  assert.match(health.body.reason, /the database file .*aiida-hub\.sqlite was deleted while the hub ran/);
  const source = await hub.api("GET", `/api/datasources/${id}/health`);
  assert.equal(source.body.status, "DOWN");
  assert.equal(source.body.reason, health.body.reason);
}

describe("the data directory is deleted under a running hub", () => {
  it("the next message is not acknowledged and the hub says it is DOWN", async (t) => {
    const { hub, creds, publish } = await setUp(t);
    rmSync(hub.dataDir, { recursive: true, force: true });
    assert.equal(await publish(2), "disconnected");
    await assertDown(hub, creds.id);
  });

  it("the hub finds out without a message too, and then acknowledges none", async (t) => {
    const { hub, creds, publish } = await setUp(t);
    rmSync(hub.dataDir, { recursive: true, force: true });
    await waitFor(
      async () => (await hub.api("GET", "/api/health", undefined, null)).status === 503,
      "health DOWN",
    );
    await assertDown(hub, creds.id);
    assert.equal(await publish(2), "disconnected");
    const created = await hub.api("POST", "/api/datasources", CIM_SOURCE);
    assert.equal(created.status, 503, "a data source created now would vanish with the file");
    assert.match(created.body.error.message, /database file was deleted or replaced/);
  });

  it("a device that keeps resending is logged once in full, not once per message", async (t) => {
    const { hub, creds, logger } = await setUp(t);
    rmSync(hub.dataDir, { recursive: true, force: true });
    for (let attempt = 0; attempt < 5; attempt++) {
      const device = await connectDevice(t, hub.mqttUrl, creds);
      const closed = whenClosed(device);
      device.publish(creds.topic, message(attempt), { qos: 1 });
      await closed;
    }
    const failures = logger.events.filter(
      (e) => e.message === "message could not be stored; the device will resend it",
    );
    assert.equal(failures.length, 1, "the first in full; the other four are counted");
    assert.match(String(failures[0]?.fields?.error), /was deleted while the hub ran/);
  });
});
