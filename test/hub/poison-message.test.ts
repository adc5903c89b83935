import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { DATABASE_FILE } from "../../src/hub.ts";
import { type DeviceCredentials, startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice, whenClosed } from "../helpers/mqtt-device.ts";
import { waitFor } from "../helpers/wait-for.ts";

/** The value the test database refuses to store. */
const POISON = 666;

describe("one message that makes the write fail", () => {
  it("is refused alone: the other devices' messages in its group commit are stored and acknowledged", async (t) => {
    const hub = await startTestHub(t);
    const names = ["first", "second", "third", "poisoned"];
    const sources: DeviceCredentials[] = [];
    for (const name of names) sources.push(await hub.createDataSource({ name }));
    const devices = await Promise.all(sources.map((s) => connectDevice(t, hub.mqttUrl, s)));
    /** Publishes a value from device `i`; resolves with whether it was acknowledged or its device disconnected. */
    const publish = (i: number, value: number) => {
      const device = devices[i];
      const source = sources[i];
      if (!device || !source) throw new Error(`no device ${i}`);
      const payload = JSON.stringify({
        "dateAndOrTime.dateTime": new Date(Date.now() - 1000).toISOString(),
        Quantity: [{ quantity: value, type: "2" }],
      });
      return Promise.race([
        device.publishAsync(source.topic, payload, { qos: 1 }).then(() => "acknowledged"),
        whenClosed(device).then(() => "disconnected"),
      ]);
    };

    const file = join(hub.dataDir, DATABASE_FILE);
    const db = new Database(file);
    t.after(() => db.close());
    // A real write failure for one marker value, inside the writer's transaction.
    db.exec(`CREATE TRIGGER refuse_poison BEFORE INSERT ON aiida_record_value WHEN NEW.value = ${POISON}
      BEGIN SELECT RAISE(ABORT, 'poisoned value'); END`);
    // Holding the write lock keeps the writer at its first commit while the other messages queue
    // up behind it, so they all go into its next transaction together.
    db.exec("BEGIN IMMEDIATE");
    const first = publish(0, 1);
    await waitFor(() => hub.hub.internals.ingestWaiting() === 1, "the first message to wait for its commit");
    const poisoned = publish(3, POISON);
    const others = [publish(1, 2), publish(2, 3)];
    await waitFor(
      () => hub.hub.internals.ingestWaiting() === 4,
      "all four messages to wait for their commit",
    );
    db.exec("COMMIT");

    assert.deepEqual(await Promise.all([first, ...others]), ["acknowledged", "acknowledged", "acknowledged"]);
    assert.equal(await poisoned, "disconnected");
    for (const [i, source] of sources.entries()) {
      const latest = await hub.api("GET", `/api/datasources/${source.id}/records/latest`);
      if (i === 3) assert.equal(latest.status, 404, "nothing stored for the poisoned message");
      else assert.equal(latest.body.values[0].value, i + 1);
    }
  });
});
