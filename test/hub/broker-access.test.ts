import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connackCode, connectDevice, whenClosed } from "../helpers/mqtt-device.ts";

const reading = (quantity: number) =>
  JSON.stringify({
    "dateAndOrTime.dateTime": new Date(Date.now() - 60_000 + quantity).toISOString(),
    Quantity: [{ quantity, type: "2" }],
  });

describe("the broker lets each device in with its own credentials and nowhere else", () => {
  it("refuses a wrong password with 'bad username or password'", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    assert.equal(await connackCode(hub.mqttUrl, creds.id, `${creds.password}x`), 4);
    assert.equal(await connackCode(hub.mqttUrl, "00000000-0000-0000-0000-000000000000", creds.password), 4);
    assert.equal(await connackCode(hub.mqttUrl, creds.id, creds.password), 0);
  });

  it("refuses a disabled data source and closes its open connection at once", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.mqttUrl, creds);
    const closed = whenClosed(device);
    const res = await hub.api("PATCH", `/api/datasources/${creds.id}`, { enabled: false });
    assert.equal(res.status, 200);
    assert.equal(res.body.enabled, false);
    await closed;
    assert.equal(await connackCode(hub.mqttUrl, creds.id, creds.password), 5);
    await hub.api("PATCH", `/api/datasources/${creds.id}`, { enabled: true });
    assert.equal(await connackCode(hub.mqttUrl, creds.id, creds.password), 0);
  });

  it("refuses a deleted data source and closes its open connection at once", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.mqttUrl, creds);
    const closed = whenClosed(device);
    assert.equal((await hub.api("DELETE", `/api/datasources/${creds.id}`)).status, 204);
    await closed;
    assert.equal(await connackCode(hub.mqttUrl, creds.id, creds.password), 4);
  });

  it("drops a re-keyed source's open connection; only the new password works afterwards", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.mqttUrl, creds);
    const closed = whenClosed(device);
    const rekey = await hub.api("POST", `/api/datasources/${creds.id}/regenerate-password`);
    assert.equal(rekey.status, 200);
    assert.notEqual(rekey.body.password, creds.password);
    await closed;
    assert.equal(await connackCode(hub.mqttUrl, creds.id, creds.password), 4);
    assert.equal(await connackCode(hub.mqttUrl, creds.id, rekey.body.password), 0);
  });

  it("refuses a publish to another device's topic and stores nothing there", async (t) => {
    const hub = await startTestHub(t);
    const victim = await hub.createDataSource({ name: "victim" });
    const intruder = await hub.createDataSource({ name: "intruder" });
    const device = await connectDevice(t, hub.mqttUrl, intruder);
    const closed = whenClosed(device);
    device.publish(victim.topic, reading(1), { qos: 1 });
    await closed; // the broker ends the connection of a device that publishes where it may not
    const latest = await hub.api("GET", `/api/datasources/${victim.id}/records/latest`);
    assert.equal(latest.status, 404);
    const stats = await hub.api("GET", `/api/datasources/${victim.id}`);
    assert.equal(stats.body.stats.messagesAccepted + stats.body.stats.messagesRejected, 0);
  });

  it("lets a device subscribe only to its own feedback topic", async (t) => {
    const hub = await startTestHub(t);
    const a = await hub.createDataSource({ name: "a" });
    const b = await hub.createDataSource({ name: "b" });
    const device = await connectDevice(t, hub.mqttUrl, a);
    const topics = [`aiida/${a.id}/feedback`, `aiida/${b.id}/feedback`, "aiida/#", a.topic];
    // Read the SUBACK itself: mqtt.js turns a refusal into an error and hides the per-topic codes.
    const suback = new Promise<number[]>((resolve) =>
      device.on("packetreceive", (packet) => {
        if (packet.cmd === "suback") resolve(packet.granted as number[]);
      }),
    );
    device.subscribe(topics, { qos: 1 }, () => {});
    const granted = await suback;
    assert.deepEqual(granted, [1, 128, 128, 128]);
  });

  it("keeps serving other devices while one is refused", async (t) => {
    const hub = await startTestHub(t);
    const good = await hub.createDataSource({ name: "good" });
    const bad = await hub.createDataSource({ name: "bad" });
    const goodDevice = await connectDevice(t, hub.mqttUrl, good);
    const badDevice = await connectDevice(t, hub.mqttUrl, bad);
    const refused = whenClosed(badDevice);
    badDevice.publish(good.topic, reading(2), { qos: 1 });
    // The intruder's connection is closed, and meanwhile the good device's message is acknowledged (= stored).
    await Promise.all([refused, goodDevice.publishAsync(good.topic, reading(3), { qos: 1 })]);
    const page = await hub.api("GET", `/api/datasources/${good.id}/records?limit=10`);
    assert.deepEqual(
      page.body.records.map((r: { values: { value: number }[] }) => r.values[0]?.value),
      [3],
      "only the good device's own reading is stored under its source",
    );
    const badStats = (await hub.api("GET", `/api/datasources/${bad.id}`)).body.stats;
    assert.equal(badStats.messagesAccepted + badStats.messagesRejected, 0);
  });
});
