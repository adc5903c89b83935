import assert from "node:assert/strict";
import { describe, it } from "node:test";
import mqtt from "mqtt";
import { startTestHub } from "../helpers/hub-harness.ts";
import { startMosquitto } from "./helpers/mosquitto.ts";
import { spawnPublisher } from "./helpers/publisher-process.ts";
import { tempStateDir } from "./helpers/run-publisher.ts";

const DEVICE = { id: "0b9c4f3e-8a51-4c1e-9a7e-3f2d6c1b5a90", password: "device-secret" };
const OBSERVER = { name: "observer", password: "observer-secret" };

describe("--mqtt-version against real brokers (Mosquitto, the hub)", () => {
  // Mosquitto logs the protocol of each client: p1 = MQTT 3.1, p2 = 3.1.1, p5 = 5.
  const cases = [
    {
      option: "5",
      logged: "p5",
      clientId: `aiida-pub-${DEVICE.id}`,
      connected: /connected to mqtt:\/\/127\.0\.0\.1:\d+ \(MQTT 5\)/,
    },
    {
      option: "3.1",
      logged: "p1",
      // MQTT 3.1 allows client ids of 23 characters at most.
      clientId: "pub-0b9c4f3e-8a51-4c1e-",
      connected: /connected to mqtt:\/\/127\.0\.0\.1:\d+ \(MQTT 3\.1\)/,
    },
    {
      option: "3.1.1",
      logged: "p2",
      clientId: `aiida-pub-${DEVICE.id}`,
      connected: /connected to mqtt:\/\/127\.0\.0\.1:\d+$/m,
    },
  ];
  for (const c of cases) {
    it(`--mqtt-version ${c.option} connects with that protocol and the reading arrives`, async (t) => {
      const broker = await startMosquitto(t, {
        [DEVICE.id]: DEVICE.password,
        [OBSERVER.name]: OBSERVER.password,
      });
      const observer = await mqtt.connectAsync(broker.url, {
        username: OBSERVER.name,
        password: OBSERVER.password,
        protocolVersion: 5,
        reconnectPeriod: 0,
      });
      t.after(() => observer.endAsync(true));
      const arrived = new Promise<string>((resolve) =>
        observer.once("message", (_topic, payload) => resolve(payload.toString())),
      );
      await observer.subscribeAsync(`aiida/${DEVICE.id}/data`, { qos: 1 });

      const run = spawnPublisher(
        t,
        ["publish", "simulate", "--once", "--mqtt-version", c.option, "--state-dir", tempStateDir(t), "-v"],
        { env: { AIIDA_BROKER: broker.url, AIIDA_USERNAME: DEVICE.id, AIIDA_PASSWORD: DEVICE.password } },
      );
      assert.equal((await run.exited).code, 0, run.stderr());
      assert.match(run.stderr(), c.connected);
      assert.equal(await arrived, run.stdout().trim(), "the observer got the payload the publisher printed");
      assert.match(broker.log(), new RegExp(`as ${c.clientId} \\(${c.logged}, `));
    });
  }

  it("--mqtt-version 3.1 to the hub: the client id fits MQTT 3.1's 23 characters and the reading is stored", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const run = spawnPublisher(
      t,
      ["publish", "simulate", "--once", "--mqtt-version", "3.1", "--state-dir", tempStateDir(t)],
      { env: { AIIDA_BROKER: creds.brokerUrl, AIIDA_USERNAME: creds.id, AIIDA_PASSWORD: creds.password } },
    );
    assert.equal((await run.exited).code, 0, run.stderr());
    const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
    assert.equal(latest.status, 200, JSON.stringify(latest.body));
  });

  it("--mqtt-version 5 to the hub: stored readings leave the queue, a rejected one is shown with the hub's reason", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const now = Date.now();
    const lines = [
      { timestamp: now - 60_000, quantities: { "2": 0.42 } },
      // 30 days ahead: far past the hub's future skew, so nothing of it is stored.
      { timestamp: now + 30 * 86_400_000, quantities: { "2": 0.43 } },
    ];
    const run = spawnPublisher(
      t,
      ["publish", "replay", "--file", "-", "--mqtt-version", "5", "--state-dir", tempStateDir(t)],
      {
        env: { AIIDA_BROKER: creds.brokerUrl, AIIDA_USERNAME: creds.id, AIIDA_PASSWORD: creds.password },
        input: `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`,
      },
    );
    const exit = await run.exited;
    const output = run.stdout() + run.stderr();
    assert.match(
      output,
      /rejected reading #2 \(PUBACK 0x99 payload format invalid: ".*in the future/,
      output,
    );
    assert.equal(exit.code, 0, output);
    const page = await hub.api("GET", `/api/datasources/${creds.id}/records?limit=10`);
    assert.deepEqual(
      page.body.records.map((r: any) => r.values.map((v: any) => v.value)),
      [[0.42]],
    );
  });

  it("refuses a version it does not know, naming the spellings", async (t) => {
    const run = spawnPublisher(
      t,
      ["publish", "simulate", "--once", "--mqtt-version", "6"].concat([
        "--username",
        DEVICE.id,
        "--password",
        DEVICE.password,
        "--state-dir",
        tempStateDir(t),
      ]),
    );
    assert.equal((await run.exited).code, 2, run.stderr());
    assert.match(run.stderr(), /--mqtt-version: must be 3 \(or 3\.1\), 4 \(or 3\.1\.1\) or 5, not "6"/);
  });
});
