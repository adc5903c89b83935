import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import mqtt, { type MqttClient } from "mqtt";
import { type DeviceCredentials, startTestHub } from "../helpers/hub-harness.ts";
import { connackCodeOf, connectDevice, nextMessage, whenClosed } from "../helpers/mqtt-device.ts";
import { waitFor } from "../helpers/wait-for.ts";

const feedbackOf = (id: string) => `aiida/${id}/feedback`;

/** A connection attempt with a chosen client id: its CONNACK code and the data sources of every report it got. */
async function connectAs(
  t: TestContext,
  url: string,
  credentials: DeviceCredentials,
  clientId: string,
  options: mqtt.IClientOptions = {},
): Promise<{ client: MqttClient; code: number; reportsFor: string[] }> {
  const client = mqtt.connect(url, {
    username: credentials.id,
    password: credentials.password,
    clientId,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
  t.after(() => client.endAsync(true));
  // Listening from the start: a session's queued messages follow the CONNACK at once.
  const reportsFor: string[] = [];
  client.on("message", (_topic, payload) => reportsFor.push(JSON.parse(String(payload)).dataSourceId));
  return { client, code: await connackCodeOf(client), reportsFor };
}

/** Publishes a message the hub cannot parse, so that it sends the device a feedback report. */
async function provokeReport(device: MqttClient, credentials: DeviceCredentials): Promise<void> {
  await device.publishAsync(credentials.topic, "not json", { qos: 1 });
}

/** Leaves a persistent session under `clientId` with one report for `owner` queued in it. */
async function offlineSessionWithReport(
  t: TestContext,
  url: string,
  owner: DeviceCredentials,
  clientId: string,
): Promise<void> {
  const session = await connectDevice(t, url, owner, { clientId, clean: false });
  await session.subscribeAsync(feedbackOf(owner.id), { qos: 1 });
  await session.endAsync();
  const other = await connectDevice(t, url, owner);
  await other.subscribeAsync(feedbackOf(owner.id), { qos: 1 });
  const delivered = nextMessage(other, feedbackOf(owner.id));
  await provokeReport(other, owner);
  // Aedes queues a QoS 1 message for offline sessions before it delivers it to connected subscribers.
  await delivered;
  await other.endAsync();
}

describe("a client id belongs to one data source", () => {
  it("refuses a device that claims a connected device's client id; the holder stays and gets its reports", async (t) => {
    const hub = await startTestHub(t);
    const intruder = await hub.createDataSource({ name: "intruder" });
    const victim = await hub.createDataSource({ name: "victim" });
    const clientId = `aiida-pub-${victim.id}`;
    const holder = await connectDevice(t, hub.mqttUrl, victim, { clientId });
    let holderClosed = false;
    holder.on("close", () => {
      holderClosed = true;
    });
    await holder.subscribeAsync(feedbackOf(victim.id), { qos: 1 });

    const attempt = await connectAs(t, hub.mqttUrl, intruder, clientId);
    assert.equal(attempt.code, 2, "identifier rejected");

    const report = nextMessage(holder, feedbackOf(victim.id));
    await provokeReport(holder, victim);
    assert.equal(JSON.parse(String(await report)).dataSourceId, victim.id);
    assert.equal(holderClosed, false, "the holder was never disconnected");
    assert.deepEqual(attempt.reportsFor, []);
  });

  it("refuses a device that claims the client id of another device's offline session, which stays intact", async (t) => {
    const hub = await startTestHub(t);
    const intruder = await hub.createDataSource({ name: "intruder" });
    const victim = await hub.createDataSource({ name: "victim" });
    const clientId = `aiida-pub-${victim.id}`;
    await offlineSessionWithReport(t, hub.mqttUrl, victim, clientId);

    // Neither taking the session over nor wiping it (clean session) is allowed.
    for (const clean of [false, true]) {
      const attempt = await connectAs(t, hub.mqttUrl, intruder, clientId, { clean });
      assert.equal(attempt.code, 2, `identifier rejected (clean=${clean})`);
      assert.deepEqual(attempt.reportsFor, []);
    }

    const back = await connectAs(t, hub.mqttUrl, victim, clientId, { clean: false });
    assert.equal(back.code, 0);
    const reports = await waitFor(() => back.reportsFor.length > 0 && back.reportsFor, "the queued report");
    assert.deepEqual(reports, [victim.id], "the queued report waited for its owner");
  });

  it("lets the same data source reconnect with its client id and take over its own old connection", async (t) => {
    const hub = await startTestHub(t);
    const device = await hub.createDataSource();
    const clientId = `aiida-pub-${device.id}`;
    const first = await connectDevice(t, hub.mqttUrl, device, { clientId });
    const firstClosed = whenClosed(first);
    const second = await connectDevice(t, hub.mqttUrl, device, { clientId });
    await firstClosed;
    await second.subscribeAsync(feedbackOf(device.id), { qos: 1 });
    const report = nextMessage(second, feedbackOf(device.id));
    await provokeReport(second, device);
    assert.equal(JSON.parse(String(await report)).dataSourceId, device.id);
  });

  it("stops even while a device is taking over its own client id", async (t) => {
    const hub = await startTestHub(t);
    const device = await hub.createDataSource();
    const clientId = `aiida-pub-${device.id}`;
    const first = await connectDevice(t, hub.mqttUrl, device, { clientId });
    await first.subscribeAsync(feedbackOf(device.id), { qos: 1 });
    // The old connection's subscriptions are still being removed when the new one's CONNACK arrives.
    const second = await connectDevice(t, hub.mqttUrl, device, { clientId });
    const secondClosed = whenClosed(second);
    await hub.stop();
    await secondClosed;
    assert.equal(second.connected, false);
  });

  it("passes none of a deleted data source's queued reports to the next device with its client id", async (t) => {
    const hub = await startTestHub(t);
    const heir = await hub.createDataSource({ name: "heir" });
    const gone = await hub.createDataSource({ name: "gone" });
    const clientId = `aiida-pub-${gone.id}`;
    await offlineSessionWithReport(t, hub.mqttUrl, gone, clientId);
    assert.equal((await hub.api("DELETE", `/api/datasources/${gone.id}`)).status, 204);

    // The client id is free again, but the session under it still holds the deleted source's report.
    const attempt = await connectAs(t, hub.mqttUrl, heir, clientId, { clean: false });
    assert.equal(attempt.code, 0);
    await attempt.client.subscribeAsync(feedbackOf(heir.id), { qos: 1 });
    const own = nextMessage(attempt.client, feedbackOf(heir.id));
    await provokeReport(attempt.client, heir);
    // The queued messages are written right after the CONNACK; the own report needs a commit first.
    await own;
    assert.deepEqual(attempt.reportsFor, [heir.id]);
  });
});
