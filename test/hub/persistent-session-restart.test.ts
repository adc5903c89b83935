import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it, type TestContext } from "node:test";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { tempDataDir } from "../helpers/hub-harness.ts";
import { createSourceOver, type HubProcess, spawnHub } from "../helpers/hub-process.ts";
import { connackCodeOf, nextMessage, publishRejected } from "../helpers/mqtt-device.ts";
import { UNPARSABLE } from "../helpers/readings.ts";
import { waitFor } from "../helpers/wait-for.ts";

const feedbackOf = (id: string) => `aiida/${id}/feedback`;
type Source = { id: string; password: string; topic: string };

/** Connects and resolves once the CONNACK came: the client, its refusal code (0 = accepted), session present, and every report it got from the start. */
async function connect(
  t: TestContext,
  hub: HubProcess,
  source: Source,
  options: IClientOptions,
): Promise<{ client: MqttClient; code: number; sessionPresent: boolean; reports: any[] }> {
  const client = mqtt.connect(hub.mqttUrl, {
    username: source.id,
    password: source.password,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
  t.after(() => client.endAsync(true));
  // Listening from the start: a kept session's queued reports follow the CONNACK at once.
  const reports: any[] = [];
  client.on("message", (_topic, payload) => reports.push(JSON.parse(String(payload))));
  let sessionPresent = false;
  client.once("connect", (connack) => {
    sessionPresent = connack.sessionPresent;
  });
  const code = await connackCodeOf(client);
  return { client, code, sessionPresent, reports };
}

/** Stops the hub as a service manager does and starts it again on the same data directory. */
async function restart(t: TestContext, hub: HubProcess, dataDir: string): Promise<HubProcess> {
  const exited = once(hub.child, "exit");
  hub.child.kill("SIGTERM");
  assert.deepEqual(await exited, [0, null], "the hub stopped cleanly");
  return spawnHub(t, ["--data-dir", dataDir, "--http-port", "0", "--mqtt-port", "0"]);
}

const variants: readonly { name: string; session: IClientOptions; refusedWith: number }[] = [
  { name: "MQTT 3.1.1 with clean=false", session: { protocolVersion: 4, clean: false }, refusedWith: 2 },
  {
    name: "MQTT 5.0 with a session expiry of an hour",
    session: { protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 3600 } },
    refusedWith: 0x85,
  },
];

describe("a persistent session and its queued feedback survive a restart of the hub", () => {
  for (const variant of variants) {
    it(variant.name, async (t) => {
      const dataDir = tempDataDir(t);
      let hub = await spawnHub(t, ["--data-dir", dataDir, "--http-port", "0", "--mqtt-port", "0"]);
      const owner = await createSourceOver(hub.httpUrl);
      const intruder = await createSourceOver(hub.httpUrl);
      const clientId = `meter-${owner.id.slice(0, 8)}`;

      const session = await connect(t, hub, owner, { ...variant.session, clientId });
      assert.equal(session.code, 0);
      await session.client.subscribeAsync(feedbackOf(owner.id), { qos: 1 });
      await session.client.endAsync();

      // Another connection of the same data source sends two bad messages meanwhile; it subscribes
      // as well, so that receiving both reports itself shows they were sent.
      const other = await connect(t, hub, owner, { protocolVersion: variant.session.protocolVersion ?? 4 });
      assert.equal(other.code, 0);
      await other.client.subscribeAsync(feedbackOf(owner.id), { qos: 1 });
      for (const bad of [UNPARSABLE, "[1, 2]"]) {
        const seen = nextMessage(other.client, feedbackOf(owner.id));
        await publishRejected(other.client, owner.topic, bad);
        await seen;
      }
      await other.client.endAsync();

      hub = await restart(t, hub, dataDir);

      const attempt = await connect(t, hub, intruder, { ...variant.session, clientId });
      assert.equal(attempt.code, variant.refusedWith, "another data source may not take the client id");
      assert.deepEqual(attempt.reports, []);

      const back = await connect(t, hub, owner, { ...variant.session, clientId });
      assert.equal(back.code, 0);
      assert.equal(back.sessionPresent, true, "the session was kept");
      const reports = await waitFor(() => back.reports.length >= 2 && back.reports, "the two queued reports");
      assert.deepEqual(
        reports.map((r) => [r.dataSourceId, r.status]),
        [
          [owner.id, "rejected"],
          [owner.id, "rejected"],
        ],
      );
      assert.equal(reports.length, 2);

      // The subscription came back with the session: a report made now reaches the device too.
      const fresh = nextMessage(back.client, feedbackOf(owner.id));
      await publishRejected(back.client, owner.topic, UNPARSABLE);
      assert.equal(JSON.parse(String(await fresh)).status, "rejected");
    });
  }
});
