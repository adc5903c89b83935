import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { MqttClient } from "mqtt";
import type { DeviceCredentials } from "../helpers/hub-harness.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { type MosquittoVersion, mosquittoPub, mosquittoSub } from "../helpers/mosquitto-clients.ts";
import { connectDevice, nextMessage, publishRejected } from "../helpers/mqtt-device.ts";
import { type PahoVersion, runPahoSession } from "../helpers/paho-device.ts";
import { reading, UNPARSABLE, waitForStored } from "../helpers/readings.ts";

const feedbackOf = (id: string) => `aiida/${id}/feedback`;

/** What one client saw of its session: the report its bad message caused, and how a forbidden subscription ended. */
interface Outcome {
  readonly report: { dataSourceId: string; status: string; problems: { path: string }[] };
  readonly refusal: { readonly closed: true } | { readonly codes: readonly number[] };
}

/**
 * A real MQTT client that, in one session or several, publishes reading(1) at QoS 0, reading(2) at
 * QoS 1 and reading(3) at QoS 2, then a bad message whose report it receives on its feedback
 * topic, then subscribes to `refusedTopic`.
 */
interface MatrixClient {
  readonly name: string;
  readonly protocolLevel: 3 | 4 | 5;
  run(t: TestContext, creds: DeviceCredentials, refusedTopic: string): Promise<Outcome>;
}

function mosquitto(version: MosquittoVersion, protocolLevel: 3 | 4 | 5): MatrixClient {
  return {
    name: `mosquitto_pub/mosquitto_sub -V ${version}`,
    protocolLevel,
    async run(t, creds, refusedTopic) {
      await mosquittoPub(creds, version, creds.topic, 0, reading(1));
      await mosquittoPub(creds, version, creds.topic, 1, reading(2));
      await mosquittoPub(creds, version, creds.topic, 2, reading(3));
      const listener = mosquittoSub(t, creds, version, feedbackOf(creds.id), { count: 1, seconds: 20 });
      assert.deepEqual(await listener.suback, [1], "the own feedback topic is granted at QoS 1");
      await mosquittoPub(creds, version, creds.topic, 1, UNPARSABLE);
      const { messages, output } = await listener.exited;
      assert.equal(messages.length, 1, `one report received:\n${output}`);
      const refused = mosquittoSub(t, creds, version, refusedTopic, {
        exitAfterSubscribe: true,
        seconds: 10,
      });
      const codes = await refused.suback;
      await refused.exited;
      return { report: JSON.parse(messages[0] as string), refusal: codes ? { codes } : { closed: true } };
    },
  };
}

function paho(version: PahoVersion, protocolLevel: 3 | 4 | 5): MatrixClient {
  return {
    name: `Paho (python3-paho-mqtt) MQTTv${version}`,
    protocolLevel,
    async run(_t, creds, refusedTopic) {
      const session = await runPahoSession(creds, version, {
        messages: [
          [0, reading(1)],
          [1, reading(2)],
          [2, reading(3)],
        ],
        bad: UNPARSABLE,
        refusedTopic,
      });
      const shown = `${JSON.stringify(session.events)}\n${session.stderr}`;
      assert.equal(session.code, 0, `the Paho session ran through: ${shown}`);
      const ev = (name: string) => session.events.filter((e) => e.event === name);
      assert.equal(ev("connack")[0]?.code, 0);
      assert.deepEqual(ev("suback")[0]?.codes, [1], "the own feedback topic is granted at QoS 1");
      assert.deepEqual(
        ev("published").map((e) => [e.qos, e.acknowledged]),
        [
          [0, true],
          [1, true],
          [2, true],
          [1, true],
        ],
        "every publish acknowledged (QoS 1: PUBACK, QoS 2: PUBCOMP)",
      );
      const message = ev("message")[0];
      assert.equal(message?.topic, feedbackOf(creds.id));
      const last = session.events.at(-1);
      const refusal =
        last?.event === "closed" ? ({ closed: true } as const) : { codes: (last?.codes ?? []) as number[] };
      return { report: JSON.parse(message?.payload), refusal };
    },
  };
}

function mqttJs(protocolLevel: 3 | 4 | 5): MatrixClient {
  return {
    name: `mqtt.js protocolVersion ${protocolLevel}`,
    protocolLevel,
    async run(t, creds, refusedTopic) {
      const client = await connectDevice(t, creds.brokerUrl, creds, {
        protocolVersion: protocolLevel,
        ...(protocolLevel === 3 && { protocolId: "MQIsdp" }),
      });
      const granted = await client.subscribeAsync(feedbackOf(creds.id), { qos: 1 });
      assert.deepEqual(
        granted.map((g) => g.qos),
        [1],
        "the own feedback topic is granted at QoS 1",
      );
      await client.publishAsync(creds.topic, reading(1), { qos: 0 });
      await client.publishAsync(creds.topic, reading(2), { qos: 1 });
      await client.publishAsync(creds.topic, reading(3), { qos: 2 });
      const report = nextMessage(client, feedbackOf(creds.id));
      await publishRejected(client, creds.topic, UNPARSABLE);
      return { report: JSON.parse(String(await report)), refusal: await refusalOf(client, refusedTopic) };
    },
  };
}

/** Subscribes where the client may not and reads the SUBACK itself (mqtt.js turns a refusal into an error). */
function refusalOf(client: MqttClient, topic: string): Promise<Outcome["refusal"]> {
  return new Promise((resolve) => {
    client.on("packetreceive", (packet) => {
      if (packet.cmd === "suback") resolve({ codes: packet.granted as number[] });
    });
    client.once("close", () => resolve({ closed: true }));
    client.subscribe(topic, { qos: 1 }, () => {});
  });
}

const clients: readonly MatrixClient[] = [
  mosquitto("mqttv31", 3),
  mosquitto("mqttv311", 4),
  mosquitto("mqttv5", 5),
  paho("31", 3),
  paho("311", 4),
  paho("5", 5),
  mqttJs(3),
  mqttJs(4),
  mqttJs(5),
];

/** How a forbidden subscription must end, per protocol level. */
function assertRefused(protocolLevel: 3 | 4 | 5, refusal: Outcome["refusal"]): void {
  if (protocolLevel === 3) {
    // MQTT 3.1's SUBACK has no failure code: closing the connection is what the spec allows; 0x80
    // (3.1.1's failure) is what brokers commonly send instead. Never a granted QoS.
    if (!("closed" in refusal)) assert.deepEqual(refusal.codes, [0x80]);
  } else if (protocolLevel === 4) {
    assert.deepEqual(refusal, { codes: [0x80] }, "SUBACK 0x80 failure");
  } else {
    assert.deepEqual(refusal, { codes: [0x87] }, "SUBACK 0x87 not authorized");
  }
}

describe("every common client at every MQTT version publishes, gets feedback and is kept to its own topics", () => {
  for (const client of clients) {
    it(client.name, async (t) => {
      const hub = await startTestHub(t);
      const creds = await hub.createDataSource({ name: "device" });
      const other = await hub.createDataSource({ name: "someone else" });
      const { report, refusal } = await client.run(t, creds, feedbackOf(other.id));

      const get = (p: string) => hub.api("GET", p);
      await waitForStored(get, creds.id, [1, 2, 3]);
      assert.equal(report.dataSourceId, creds.id);
      assert.equal(report.status, "rejected");
      assert.equal(report.problems[0]?.path, "$");
      const stats = (await hub.api("GET", `/api/datasources/${creds.id}`)).body.stats;
      assert.deepEqual([stats.messagesAccepted, stats.messagesRejected], [3, 1]);
      assertRefused(client.protocolLevel, refusal);
    });
  }
});
