import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import mqtt from "mqtt";
import { startTestHub, tempDataDir } from "../helpers/hub-harness.ts";
import { createSourceOver, spawnHub } from "../helpers/hub-process.ts";

const WINDOW = 50;
const KILL_AFTER_ACKS = 400;

describe("acknowledged means stored", () => {
  it("keeps every acknowledged QoS 1 message when the hub is killed with SIGKILL mid-stream", async (t) => {
    const dataDir = tempDataDir(t);
    const first = await spawnHub(t, ["--data-dir", dataDir, "--http-port", "0", "--mqtt-port", "0"]);
    const { id: dataSourceId, password, topic } = await createSourceOver(first.httpUrl);

    const client = await mqtt.connectAsync(first.mqttUrl, {
      username: dataSourceId,
      password,
      reconnectPeriod: 0,
    });
    t.after(() => client.end(true));
    const base = Date.parse("2026-01-01T00:00:00Z");
    const acked: number[] = [];
    let sent = 0;
    let killed = false;
    const killedNow = new Promise<void>((resolve) => {
      const sendNext = () => {
        if (killed) return;
        const i = sent++;
        const payload = JSON.stringify({
          "dateAndOrTime.dateTime": new Date(base + i * 1000).toISOString(),
          Quantity: [
            { quantity: i, type: "0" },
            { quantity: i / 10, type: "2" },
          ],
        });
        client.publish(topic, payload, { qos: 1 }, (err) => {
          if (err) return;
          acked.push(i);
          if (acked.length === KILL_AFTER_ACKS && !killed) {
            killed = true;
            first.child.kill("SIGKILL");
            resolve();
          }
          sendNext();
        });
      };
      for (let w = 0; w < WINDOW; w++) sendNext();
    });
    await killedNow;
    await once(first.child, "exit");
    assert.ok(sent > acked.length, "messages were still in flight at the kill");

    const hub = await startTestHub(t, { dataDir });
    const stored = new Set<number>();
    let before: number | null = null;
    do {
      const page: { body: { records: { timestamp: string }[]; nextBefore: number | null } } = await hub.api(
        "GET",
        `/api/datasources/${dataSourceId}/records?limit=1000${before === null ? "" : `&before=${before}`}`,
      );
      for (const r of page.body.records) stored.add((Date.parse(r.timestamp) - base) / 1000);
      before = page.body.nextBefore;
    } while (before !== null);
    const lost = acked.filter((i) => !stored.has(i));
    assert.deepEqual(lost, [], `${lost.length} acknowledged messages were lost`);
    assert.ok(stored.size >= acked.length);
  });
});
