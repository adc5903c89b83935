import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it, type TestContext } from "node:test";
import { describeFeedback } from "../../src/device/console-reporter.ts";
import { createModbusSource } from "../../src/device/modbus-source.ts";
import { loadProfile } from "../../src/device/profile-catalogue.ts";
import type { ModbusProfile, RestProfile } from "../../src/device/profile-schema.ts";
import { createReplaySource } from "../../src/device/replay-source.ts";
import { createRestSource } from "../../src/device/rest-source.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { registerMapFixture, startJsonMeter, startModbusServer } from "./helpers/fake-meters.ts";
import { runPublisher } from "./helpers/run-publisher.ts";

interface RecordValueDto {
  readonly dataTag: string;
  readonly rawTag: string;
  readonly value: number;
  readonly unitOfMeasurement: string;
}

/** The hub's latest record as [OBIS, value, unit], by OBIS code. */
async function latestValues(hub: Awaited<ReturnType<typeof startTestHub>>, id: string) {
  const latest = await hub.api("GET", `/api/datasources/${id}/records/latest`);
  assert.equal(latest.status, 200, JSON.stringify(latest.body));
  const values = new Map(
    (latest.body.values as RecordValueDto[]).map((v) => [
      v.dataTag,
      { value: v.value, unit: v.unitOfMeasurement },
    ]),
  );
  return {
    timestamp: latest.body.timestamp as string,
    timestampSource: latest.body.timestampSource as string,
    values,
  };
}

function timestampOf(payload: string): string {
  return (JSON.parse(payload) as { "dateAndOrTime.dateTime": string })["dateAndOrTime.dateTime"];
}

/** An HTTP meter answering like the AMIS reader, and a rest source polling it every `intervalMs`. */
async function amisSource(t: TestContext, reading: () => Record<string, number>, intervalMs: number) {
  const meter = await startJsonMeter(t, { "/rest": reading });
  const source = createRestSource({
    url: meter.baseUrl,
    profile: loadProfile("amis-reader") as RestProfile,
    extraFields: [],
    variables: {},
    intervalMs,
    timeoutMs: 2000,
  });
  return { meter, source };
}

describe("publishing to the hub (in-process hub, real data source credentials)", () => {
  it("a Huawei inverter exporting 1.83 kW arrives as generation (type 3), not consumption, with phases and both counters", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource({ name: "Huawei SUN2000" });
    const inverter = await startModbusServer(t, registerMapFixture("huawei-sun2000-registers.json"));
    const source = createModbusSource({
      host: "127.0.0.1",
      port: inverter.port,
      unitId: 1,
      timing: { connectDelayMs: 50, requestSpacingMs: 10, timeoutMs: 2000, retries: 1 },
      profile: loadProfile("huawei-sun2000") as ModbusProfile,
      intervalMs: 200,
    });
    const publisher = runPublisher(t, {
      source,
      broker: creds.brokerUrl,
      username: creds.id,
      password: creds.password,
    });
    await publisher.recorder.waitFor("acknowledged");
    const record = await latestValues(hub, creds.id);
    assert.equal(record.timestampSource, "device");
    const readAt = publisher.recorder.of("queued").map((q) => timestampOf(q.payload));
    assert.ok(readAt.includes(record.timestamp), "the hub keeps the reading's own time");
    const expected: Array<[string, number, string]> = [
      ["1-0:1.8.0", 4213.08, "kWh"],
      ["1-0:2.8.0", 1523.47, "kWh"],
      ["1-0:1.7.0", 0, "kW"],
      ["1-0:2.7.0", 1.83, "kW"],
      ["1-0:32.7.0", 230.5, "V"],
      ["1-0:52.7.0", 231.2, "V"],
      ["1-0:72.7.0", 229.8, "V"],
      ["1-0:31.7.0", 2.65, "A"],
      ["1-0:51.7.0", 2.71, "A"],
      ["1-0:71.7.0", 2.6, "A"],
      ["1-0:13.7.0", 0.982, "none"],
      ["1-0:14.7.0", 50.01, "Hz"],
    ];
    for (const [obis, value, unit] of expected) {
      assert.deepEqual(record.values.get(obis), { value, unit }, obis);
    }
    const feedback = await hub.api("GET", `/api/datasources/${creds.id}/feedback`);
    assert.deepEqual(feedback.body, [], "the hub found nothing to complain about");
  });

  it("an AMIS-style reader's W and Wh arrive as kW and kWh", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource({ name: "AMIS reader" });
    const { meter, source } = await amisSource(
      t,
      () => ({ "1.8.0": 4213080, "2.8.0": 1523470, "1.7.0": 742, "2.7.0": 0 }),
      200,
    );
    const publisher = runPublisher(t, {
      source,
      broker: creds.brokerUrl,
      username: creds.id,
      password: creds.password,
    });
    await publisher.recorder.waitFor("acknowledged");
    const record = await latestValues(hub, creds.id);
    assert.deepEqual(record.values.get("1-0:1.7.0"), { value: 0.742, unit: "kW" });
    assert.deepEqual(record.values.get("1-0:2.7.0"), { value: 0, unit: "kW" });
    assert.deepEqual(record.values.get("1-0:1.8.0"), { value: 4213.08, unit: "kWh" });
    assert.deepEqual(record.values.get("1-0:2.8.0"), { value: 1523.47, unit: "kWh" });
    assert.ok(meter.requests.every((path) => path === "/rest"));
  });

  it("shows the hub's feedback report about a reading", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const source = createReplaySource(
      "-",
      Readable.from([`{"timestamp":"${inAnHour}","quantities":{"2":0.5}}\n`]),
    );
    const publisher = runPublisher(t, {
      source,
      broker: creds.brokerUrl,
      username: creds.id,
      password: creds.password,
    });
    const [feedback] = await publisher.recorder.waitFor("feedback");
    assert.ok(feedback);
    assert.match(describeFeedback(feedback.payload), /dateAndOrTime\.dateTime.*in the future/);
    assert.equal(await publisher.outcome, "done", "the replay ended and everything was acknowledged");
  });

  it("a replay larger than the queue is held back instead of losing its oldest lines", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const start = Date.UTC(2025, 6, 1);
    const lines = Array.from({ length: 30 }, (_, i) => {
      const timestamp = new Date(start + i * 3000).toISOString();
      return `{"timestamp":"${timestamp}","quantities":{"0":${100 + i}}}\n`;
    });
    const publisher = runPublisher(t, {
      source: createReplaySource("-", Readable.from(lines)),
      broker: creds.brokerUrl,
      username: creds.id,
      password: creds.password,
      overrides: { queueLimit: 5 },
    });
    assert.equal(await publisher.outcome, "done");
    assert.deepEqual(publisher.recorder.of("dropped"), []);
    const page = await hub.api("GET", `/api/datasources/${creds.id}/records?limit=1000`);
    assert.equal(page.body.records.length, 30);
  });

  it("a wrong password: one clear sentence, retries only at the back-off cap, readings kept", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const { source } = await amisSource(t, () => ({ "1.8.0": 1, "2.8.0": 2, "1.7.0": 3, "2.7.0": 0 }), 100);
    const publisher = runPublisher(t, {
      source,
      broker: creds.brokerUrl,
      username: creds.id,
      password: "not-the-password",
    });
    const [refusal] = await publisher.recorder.waitFor("connect-failed");
    assert.ok(refusal);
    assert.equal(refusal.credentialsRefused, true);
    assert.match(
      refusal.message,
      /refused the credentials \(CONNACK [45]: .*\): check --username .* and --password/,
    );
    assert.equal(
      refusal.retryInMs,
      1000,
      "straight to the cap (1 s in this test), not the 100 ms first step",
    );
    await waitFor(() => publisher.recorder.of("queued").length >= 15, "readings to pile up in the queue");
    assert.equal(
      publisher.recorder.of("connect-failed").length,
      1,
      "the sentence is not repeated per attempt",
    );
    assert.equal(publisher.recorder.of("acknowledged").length, 0);
    const source2 = await hub.api("GET", `/api/datasources/${creds.id}`);
    assert.equal(source2.body.stats.messagesAccepted, 0);
  });
});
