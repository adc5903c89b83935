import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { fixture } from "../helpers/fixtures.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";

const spellings = [
  { name: "dotted spelling (what AIIDA accepts)", file: "cim/dotted.json" },
  { name: "camelCase spelling (the source page's example)", file: "cim/source-page-camel-case.json" },
];

describe("a CIM device connects with its own credentials and its data is stored and served", () => {
  for (const spelling of spellings) {
    it(`stores the source page's example in the ${spelling.name} with OBIS codes, units and the device's time`, async (t) => {
      const hub = await startTestHub(t);
      const creds = await hub.createDataSource({ name: spelling.name });
      assert.equal(creds.topic, `aiida/${creds.id}/data`);
      assert.equal(creds.brokerUrl, hub.mqttUrl);
      assert.match(creds.password, /^[0-9A-Za-z]{16,}$/);

      const device = await connectDevice(t, creds.brokerUrl, creds);
      await device.publishAsync(creds.topic, JSON.stringify(fixture(spelling.file)), { qos: 1 });

      const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
      assert.equal(latest.status, 200);
      assert.equal(latest.body.timestamp, "2025-07-01T07:43:59.073Z");
      assert.equal(latest.body.timestampSource, "device");
      assert.deepEqual(
        latest.body.values.map((v: any) => [v.dataTag, v.rawTag, v.value, v.unitOfMeasurement, v.quality]),
        [
          ["1-0:1.8.0", "TOTAL_ACTIVE_ENERGY_CONSUMED_KWH", 25, "kWh", "AS_PROVIDED"],
          ["1-0:1.7.0", "INSTANTANEOUS_ACTIVE_POWER_CONSUMPTION_KW", 1750, "kW", "AS_PROVIDED"],
        ],
      );
      const page = await hub.api("GET", `/api/datasources/${creds.id}/records`);
      assert.equal(page.body.records.length, 1);
      assert.equal(page.body.records[0].timestamp, "2025-07-01T07:43:59.073Z");
      const source = await hub.api("GET", `/api/datasources/${creds.id}`);
      assert.equal(source.body.stats.messagesAccepted, 1);
      assert.equal(source.body.stats.valuesAccepted, 2);
      assert.equal(source.body.health.connected, true);
    });
  }

  it("accepts a message published with Debian's mosquitto_pub using the handed-out credentials", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const now = new Date(Date.now() - 1000).toISOString();
    const payload = JSON.stringify({
      version: "1.0",
      "dateAndOrTime.dateTime": now,
      Quantity: [{ quantity: 1.25, type: "2", quality: "AS_PROVIDED" }],
    });
    const url = new URL(creds.brokerUrl);
    // Async: the hub runs in this process, so a synchronous child would block it.
    await promisify(execFile)(
      "mosquitto_pub",
      [
        "-h",
        url.hostname,
        "-p",
        url.port,
        "-u",
        creds.id,
        "-P",
        creds.password,
        "-t",
        creds.topic,
        "-q",
        "1",
        "-m",
        payload,
      ],
      { timeout: 10_000 },
    );
    const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
    assert.equal(latest.status, 200);
    assert.equal(latest.body.timestamp, new Date(Date.parse(now)).toISOString());
    assert.deepEqual(
      latest.body.values.map((v: any) => [v.dataTag, v.value, v.unitOfMeasurement]),
      [["1-0:1.7.0", 1.25, "kW"]],
    );
    const health = await hub.api("GET", `/api/datasources/${creds.id}/health`);
    assert.equal(health.body.status, "UP");
    // Disabled, the same fresh message no longer makes it UP: its device cannot deliver any more.
    await hub.api("PATCH", `/api/datasources/${creds.id}`, { enabled: false });
    const disabled = await hub.api("GET", `/api/datasources/${creds.id}/health`);
    assert.equal(disabled.body.status, "DISABLED");
    assert.match(disabled.body.reason, /disabled/);
    const listed = await hub.api("GET", `/api/datasources/${creds.id}`);
    assert.equal(listed.body.health.status, "DISABLED");
  });

  it("uses the receipt time when the device sends no timestamp, and says so in the feedback", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, creds.brokerUrl, creds);
    await device.subscribeAsync(`aiida/${creds.id}/feedback`, { qos: 1 });
    const feedback = new Promise<any>((resolve) =>
      device.once("message", (_t, p) => resolve(JSON.parse(String(p)))),
    );
    const before = Date.now();
    await device.publishAsync(creds.topic, JSON.stringify({ Quantity: [{ quantity: 3, type: "0" }] }), {
      qos: 1,
    });
    const after = Date.now();
    const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
    assert.equal(latest.body.timestampSource, "receipt");
    const ts = Date.parse(latest.body.timestamp);
    assert.ok(ts >= before && ts <= after, `receipt time ${latest.body.timestamp} lies within the publish`);
    const report = await feedback;
    assert.equal(report.status, "accepted-with-warnings");
    assert.match(report.notes[0], /receipt time/);
  });
});
