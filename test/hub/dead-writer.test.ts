import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice, whenClosed } from "../helpers/mqtt-device.ts";

const message = (value: number) =>
  JSON.stringify({
    "dateAndOrTime.dateTime": new Date(Date.now() - 1000).toISOString(),
    Quantity: [{ quantity: value, type: "2" }],
  });

describe("the writer thread dies", () => {
  it("the hub refuses messages, says it is DOWN, and asks to be restarted", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.mqttUrl, creds);
    await device.publishAsync(creds.topic, message(1), { qos: 1 });
    assert.equal((await hub.api("GET", "/api/health", undefined, null)).body.status, "UP");

    await (hub.hub.internals.storage() as SqliteStorage).writer.kill();
    const health = await hub.api("GET", "/api/health", undefined, null);
    assert.equal(health.status, 503);
    assert.equal(health.body.status, "DOWN");
    const reason = await hub.hub.failed;
    assert.match(reason, /the record writer thread exited .*: nothing is stored until the hub is restarted/);
    assert.equal(health.body.reason, reason);
    const source = await hub.api("GET", `/api/datasources/${creds.id}/health`);
    assert.deepEqual([source.body.status, source.body.reason], ["DOWN", reason]);

    const closed = whenClosed(device);
    const refused = device.publishAsync(creds.topic, message(2), { qos: 1 }).then(
      () => "acknowledged",
      () => "refused",
    );
    await closed; // the broker closes the connection instead of acknowledging
    assert.notEqual(await Promise.race([refused, Promise.resolve("pending")]), "acknowledged");
  });
});
