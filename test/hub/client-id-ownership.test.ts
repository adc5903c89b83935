import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice, whenClosed } from "../helpers/mqtt-device.ts";

const feedbackOf = (id: string) => `aiida/${id}/feedback`;

describe("a client id belongs to one data source", () => {
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
});
