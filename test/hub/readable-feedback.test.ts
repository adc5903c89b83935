import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice, nextMessage } from "../helpers/mqtt-device.ts";

const DAY_MS = 86_400_000;

/** A hub with one data source (`fields` added), its device connected over TCP and subscribed to its feedback. */
async function deviceWithFeedback(t: TestContext, fields: Record<string, unknown> = {}) {
  const hub = await startTestHub(t);
  const creds = await hub.createDataSource(fields);
  const device = await connectDevice(t, hub.mqttUrl, creds);
  const feedbackTopic = `aiida/${creds.id}/feedback`;
  await device.subscribeAsync(feedbackTopic, { qos: 1 });
  /** Publishes a message (text as it is, anything else as JSON) at QoS 1 and resolves with its report. */
  const send = async (message: unknown) => {
    const report = nextMessage(device, feedbackTopic);
    const payload = typeof message === "string" ? message : JSON.stringify(message);
    await device.publishAsync(creds.topic, payload, { qos: 1 });
    return JSON.parse(String(await report));
  };
  /**
   * Like send, for a message that might get no report at all: a bad message follows it, whose report
   * comes second when the first had one (reports keep message order) and first when it had none.
   */
  const sendOrNothing = async (message: unknown) => {
    const first = nextMessage(device, feedbackTopic);
    await device.publishAsync(creds.topic, JSON.stringify(message), { qos: 1 });
    await device.publishAsync(creds.topic, "{not json", { qos: 1 });
    return JSON.parse(String(await first));
  };
  return { hub, creds, send, sendOrNothing };
}

describe("feedback a person can read, over MQTT", () => {
  it("1,500 kW consumption is stored, and the report says it looks like W sent as kW", async (t) => {
    const { hub, creds, sendOrNothing } = await deviceWithFeedback(t);
    const time = new Date(Date.now() - 1000).toISOString();
    const report = await sendOrNothing({
      "dateAndOrTime.dateTime": time,
      Quantity: [
        { quantity: 1500, type: "2" },
        { quantity: 2.5, type: "3" },
      ],
    });
    assert.equal(report.status, "accepted-with-warnings");
    assert.equal(report.summary, "Stored 2 values, with 1 warning.");
    assert.deepEqual(report.warnings, [
      {
        path: "$.Quantity[0].quantity",
        reason: "1500 is outside the plausible range -100..100 kW of 1-0:1.7.0: stored",
        message:
          "Grid import 1,500 kW is far more than a household draws (at most 100 kW expected) — does the device send W instead of kW? Stored all the same.",
        plausibility: { obis: "1-0:1.7.0", value: 1500, unit: "kW", min: -100, max: 100 },
      },
    ]);
    assert.deepEqual(
      report.kept.values.map((v: { text: string }) => v.text),
      ["Grid import 1,500 kW", "Feed-in 2.5 kW"],
      "named for the data source's role: a connection agreement point is a grid meter",
    );

    const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
    assert.equal(latest.status, 200);
    assert.deepEqual(
      latest.body.values.map((v: { dataTag: string; value: number }) => [v.dataTag, v.value]),
      [
        ["1-0:1.7.0", 1500],
        ["1-0:2.7.0", 2.5],
      ],
      "the implausible value is stored all the same",
    );
    const kept = await hub.api("GET", `/api/datasources/${creds.id}/feedback`);
    assert.deepEqual(kept.body[1], report, "the API keeps the same report (before the bad message's)");
  });

  it("a data source's own range silences the warning for what it expects", async (t) => {
    const { sendOrNothing } = await deviceWithFeedback(t, { plausibility: { "1-0:1.7.0": { max: 2000 } } });
    const report = await sendOrNothing({
      "dateAndOrTime.dateTime": new Date().toISOString(),
      Quantity: [{ quantity: 1500, type: "2" }],
    });
    assert.equal(
      report.summary,
      "Nothing was stored. The message is not valid JSON.",
      "no report on 1,500 kW",
    );
  });

  it("a timestamp 32 days in the future is refused with a sentence that asks about the clock", async (t) => {
    const { hub, creds, send } = await deviceWithFeedback(t);
    const report = await send({
      "dateAndOrTime.dateTime": new Date(Date.now() + 32 * DAY_MS + 3_600_000).toISOString(),
      Quantity: [{ quantity: 1, type: "0" }],
    });
    assert.equal(report.status, "rejected");
    assert.equal(report.problems[0].path, "$['dateAndOrTime.dateTime']");
    assert.match(
      report.problems[0].reason,
      /s in the future \(at most 300 s allowed\)$/,
      "the expert detail stays",
    );
    assert.equal(
      report.problems[0].message,
      "The timestamp is 32 days in the future — is the device's clock set?",
    );
    assert.equal(
      report.summary,
      "Nothing was stored. The timestamp is 32 days in the future — is the device's clock set?",
    );
    const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
    assert.equal(latest.status, 404);
  });

  it("bad JSON and a quantity without a type get plain sentences", async (t) => {
    const { send } = await deviceWithFeedback(t);
    const notJson = await send("{not json");
    assert.equal(notJson.problems[0].message, "The message is not valid JSON.");
    const noType = await send({
      "dateAndOrTime.dateTime": new Date().toISOString(),
      Quantity: [{ quantity: 1, type: "0" }, { quantity: 2, type: "0" }, { quantity: 3 }],
    });
    assert.deepEqual(
      noType.problems.map((p: { message: string }) => p.message),
      ["Quantity 2 repeats type 0, Grid import (total); quantity 1 was kept.", "Quantity 3 has no type."],
    );
    assert.equal(noType.summary, "Stored 1 value and left out the rest (2 problems).");
  });
});
