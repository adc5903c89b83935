import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { startTestHub } from "../helpers/hub-harness.ts";
import { mosquittoPubWithWrongPassword } from "../helpers/mosquitto-clients.ts";
import { connectDevice, whenClosed } from "../helpers/mqtt-device.ts";
import { waitFor } from "../helpers/wait-for.ts";

const run = promisify(execFile);

describe("GET /api/datasources/{id}/connections: the data source's connection log", () => {
  it("lists a refused login with its reason and address, then a session from connect to disconnect, newest first", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource({ name: "meter" });
    // Debian's client with a wrong password: refused, and the log says why and from where.
    await mosquittoPubWithWrongPassword(creds, "kitchen");
    const device = await connectDevice(t, hub.mqttUrl, creds, { clientId: "kitchen-5", protocolVersion: 5 });
    await device.endAsync();
    const log = await waitFor(async () => {
      const response = await hub.api("GET", `/api/datasources/${creds.id}/connections`);
      return response.body.events.length >= 3 ? response : undefined;
    }, "three connection events");
    assert.equal(log.status, 200);
    const events = log.body.events.map((e: any) => [e.kind, e.reason, e.address, e.clientId, e.protocol]);
    assert.deepEqual(events, [
      ["disconnected", "the device disconnected", "127.0.0.1", "kitchen-5", "MQTT 5.0"],
      ["connected", "new session", "127.0.0.1", "kitchen-5", "MQTT 5.0"],
      ["refused", "wrong password", "127.0.0.1", "kitchen", "MQTT 3.1.1"],
    ]);
    for (const event of log.body.events) assert.ok(!Number.isNaN(Date.parse(event.at)));
  });

  it("tells a disabled source's refusal, the hub closing its connection, and a publish to another topic", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource({ name: "meter" });
    const intruding = await connectDevice(t, hub.mqttUrl, creds, { clientId: "wanderer" });
    const closedForTopic = whenClosed(intruding);
    intruding.publish("aiida/someone-else/data", "{}", { qos: 1 });
    await closedForTopic;
    const device = await connectDevice(t, hub.mqttUrl, creds, { clientId: "steady" });
    const closed = whenClosed(device);
    assert.equal((await hub.api("PATCH", `/api/datasources/${creds.id}`, { enabled: false })).status, 200);
    await closed;
    await run("mosquitto_pub", [
      "-h",
      "127.0.0.1",
      "-p",
      String(hub.mqttPort),
      "-u",
      creds.id,
      "-P",
      creds.password,
      "-t",
      creds.topic,
      "-m",
      "{}",
    ]).catch(() => undefined);
    const log = await waitFor(async () => {
      const response = await hub.api("GET", `/api/datasources/${creds.id}/connections`);
      return response.body.events.length >= 6 ? response : undefined;
    }, "six connection events");
    const kinds = log.body.events.map((e: any) => `${e.kind}: ${e.reason}`);
    assert.deepEqual(kinds.slice(0, 3), [
      "refused: the data source is disabled",
      "disconnected: the data source was disabled, deleted or given a new password",
      "connected: new session",
    ]);
    assert.ok(
      kinds.includes(
        `publish-refused: publishing to aiida/someone-else/data is not allowed; publish to ${creds.topic}`,
      ),
      kinds.join("\n"),
    );
  });

  it("keeps the last 50 events, answers 404 for an unknown source and 401 without a session", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource({ name: "meter" });
    for (let i = 0; i < 30; i++) {
      const device = await connectDevice(t, hub.mqttUrl, creds, { clientId: `c${i}` });
      await device.endAsync();
    }
    const log = await waitFor(async () => {
      const response = await hub.api("GET", `/api/datasources/${creds.id}/connections`);
      return response.body.events[0]?.clientId === "c29" && response.body.events[0].kind === "disconnected"
        ? response
        : undefined;
    }, "the last device's disconnect");
    assert.equal(log.body.events.length, 50);
    assert.equal(log.body.events.at(-1).clientId, "c5");
    const unknown = await hub.api("GET", "/api/datasources/00000000-0000-4000-8000-000000000000/connections");
    assert.equal(unknown.status, 404);
    const anonymous = await hub.api("GET", `/api/datasources/${creds.id}/connections`, undefined, null);
    assert.equal(anonymous.status, 401);
  });
});
