import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice, nextMessage, whenClosed } from "../helpers/mqtt-device.ts";

const TIME = "2026-01-01T00:00:00Z";
const q = (quantity: unknown, type: unknown, extra: Record<string, unknown> = {}) => ({
  quantity,
  type,
  ...extra,
});
const msg = (quantities: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ version: "1.0", "dateAndOrTime.dateTime": TIME, Quantity: quantities, ...extra });

interface Case {
  readonly name: string;
  readonly payload: string | Buffer;
  readonly status: "rejected" | "partial" | "accepted-with-warnings";
  readonly path: string;
  /** OBIS codes that must be stored from this message. */
  readonly stored: readonly string[];
  /** What the reason at `path` must say, where that matters. */
  readonly reason?: RegExp;
  readonly config?: Record<string, string>;
}

const DAY_MS = 86_400_000;
const DOTTED_DATE = "$['dateAndOrTime.dateTime']";
const at = (dateTime: string) =>
  JSON.stringify({ "dateAndOrTime.dateTime": dateTime, Quantity: [q(1, "0")] });

const cases: readonly Case[] = [
  { name: "bad JSON", payload: "{not json", status: "rejected", path: "$", stored: [] },
  { name: "a JSON array instead of an object", payload: "[1,2]", status: "rejected", path: "$", stored: [] },
  {
    name: "invalid UTF-8",
    payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    status: "rejected",
    path: "$",
    stored: [],
  },
  {
    name: "no Quantity at all",
    payload: JSON.stringify({ "dateAndOrTime.dateTime": TIME }),
    status: "rejected",
    path: "$.Quantity",
    stored: [],
  },
  {
    name: "Quantity is not an array",
    payload: JSON.stringify({ Quantity: { quantity: 1, type: "0" } }),
    status: "rejected",
    path: "$.Quantity",
    stored: [],
  },
  { name: "an empty Quantity array", payload: msg([]), status: "rejected", path: "$.Quantity", stored: [] },
  {
    name: "a timestamp without a zone",
    payload: JSON.stringify({ "dateAndOrTime.dateTime": "2026-01-01T00:00:00", Quantity: [q(1, "0")] }),
    status: "rejected",
    path: "$['dateAndOrTime.dateTime']",
    stored: [],
  },
  {
    name: "a timestamp a day in the future",
    payload: JSON.stringify({
      "dateAndOrTime.dateTime": new Date(Date.now() + 86_400_000).toISOString(),
      Quantity: [q(1, "0")],
    }),
    status: "rejected",
    path: "$['dateAndOrTime.dateTime']",
    stored: [],
  },
  {
    name: "a timestamp in the year 0001",
    payload: at("0001-01-01T00:00:00Z"),
    status: "rejected",
    path: DOTTED_DATE,
    stored: [],
    reason: /^"0001-01-01T00:00:00Z" is more than 365 days in the past \(the oldest accepted is /,
    config: { retentionDays: "365" },
  },
  {
    name: "a timestamp in 1900",
    payload: at("1900-01-01T00:00:00+01:00"),
    status: "rejected",
    path: DOTTED_DATE,
    stored: [],
    reason: /is more than 365 days in the past/,
    config: { retentionDays: "365" },
  },
  {
    name: "a timestamp older than --max-past-days",
    payload: at(new Date(Date.now() - 40 * DAY_MS).toISOString()),
    status: "rejected",
    path: DOTTED_DATE,
    stored: [],
    reason: /is more than 30 days in the past/,
    config: { retentionDays: "365", maxPastDays: "30" },
  },
  {
    name: "an unknown quantity type next to a good one",
    payload: msg([q(1, "99"), q(2, "2")]),
    status: "partial",
    path: "$.Quantity[0].type",
    stored: ["1-0:1.7.0"],
  },
  {
    name: "a null quantity next to a good one",
    payload: msg([q(null, "0"), q(2, "2")]),
    status: "partial",
    path: "$.Quantity[0].quantity",
    stored: ["1-0:1.7.0"],
  },
  {
    name: "a quantity given as text that is no number",
    payload: msg([q("abc", "0")]),
    status: "rejected",
    path: "$.Quantity[0].quantity",
    stored: [],
  },
  {
    name: "an unknown quality",
    payload: msg([q(1, "0", { quality: "GREAT" }), q(2, "2")]),
    status: "partial",
    path: "$.Quantity[0].quality",
    stored: ["1-0:1.7.0"],
  },
  {
    name: "the same type twice",
    payload: msg([q(1, "0"), q(2, "0")]),
    status: "partial",
    path: "$.Quantity[1].type",
    stored: ["1-0:1.8.0"],
  },
  {
    name: "camelCase quantities with a bad type",
    payload: JSON.stringify({ quantities: [q(1, "2.5")] }),
    status: "rejected",
    path: "$.quantities[0].type",
    stored: [],
  },
  {
    name: "an unknown top-level field",
    payload: msg([q(1, "0")], { foo: 1 }),
    status: "accepted-with-warnings",
    path: "$.foo",
    stored: ["1-0:1.8.0"],
  },
];

/** Starts a hub with one device subscribed to its feedback, publishes `payload`, and returns the report. */
async function publishForFeedback(
  t: TestContext,
  payload: string | Buffer,
  config: Record<string, string> = {},
) {
  const hub = await startTestHub(t, { config });
  const creds = await hub.createDataSource();
  const device = await connectDevice(t, hub.mqttUrl, creds);
  const feedbackTopic = `aiida/${creds.id}/feedback`;
  await device.subscribeAsync(feedbackTopic, { qos: 1 });
  const feedback = nextMessage(device, feedbackTopic);
  await device.publishAsync(creds.topic, payload, { qos: 1 });
  return { hub, creds, device, report: JSON.parse(String(await feedback)) };
}

describe("bad payloads get precise feedback and store nothing wrong", () => {
  for (const c of cases) {
    it(`${c.name}: ${c.status} at ${c.path}`, async (t) => {
      const { hub, creds, report } = await publishForFeedback(t, c.payload, c.config);
      assert.equal(report.status, c.status);
      const paths = [...report.problems.map((p: { path: string }) => p.path), ...report.ignoredFields];
      assert.ok(
        paths.includes(c.path),
        `expected a problem at ${c.path}, got ${JSON.stringify(report.problems)}`,
      );
      if (c.reason) {
        const atPath = report.problems.find((p: { path: string }) => p.path === c.path);
        assert.match(atPath?.reason ?? "", c.reason);
      }
      for (const p of report.problems) assert.ok(p.reason.length > 0, "every problem says why");

      const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
      if (c.stored.length === 0) {
        assert.equal(latest.status, 404, "nothing is stored from a rejected message");
      } else {
        assert.deepEqual(
          latest.body.values.map((v: { dataTag: string }) => v.dataTag),
          c.stored,
        );
      }
      const kept = await hub.api("GET", `/api/datasources/${creds.id}/feedback`);
      assert.equal(kept.body.length, 1);
      assert.deepEqual(kept.body[0], report);
      const stats = (await hub.api("GET", `/api/datasources/${creds.id}`)).body.stats;
      assert.equal(stats.messagesRejected, c.stored.length === 0 ? 1 : 0);
      assert.equal(stats.messagesAccepted, c.stored.length === 0 ? 0 : 1);
    });
  }

  it("rejects an oversized payload without storing it, and keeps the device connected", async (t) => {
    const { hub, creds, device, report } = await publishForFeedback(
      t,
      msg([q(1, "0")], { padding: "x".repeat(2000) }),
      { maxPayloadBytes: "1024" },
    );
    assert.equal(report.status, "rejected");
    assert.match(report.problems[0].reason, /exceeds the limit of 1024 bytes/);
    await device.publishAsync(creds.topic, msg([q(7, "0")]), { qos: 1 });
    const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
    assert.equal(latest.body.values[0].value, 7);
  });

  it("stores a reading 30 days old and warns about its age in the feedback", async (t) => {
    const dateTime = new Date(Date.now() - 30 * DAY_MS).toISOString();
    const { hub, creds, report } = await publishForFeedback(t, at(dateTime), { retentionDays: "365" });
    assert.equal(report.status, "accepted-with-warnings");
    assert.deepEqual(report.problems, []);
    assert.equal(report.notes.length, 1, JSON.stringify(report.notes));
    assert.match(
      report.notes[0],
      /^\$\['dateAndOrTime\.dateTime'\]: "[^"]+" is 30 days in the past: stored, but check the device's clock/,
    );
    assert.equal(report.kept.timestamp, dateTime);
    const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
    assert.equal(latest.body.timestamp, dateTime);
    assert.equal((await hub.api("GET", `/api/datasources/${creds.id}`)).body.stats.messagesAccepted, 1);
  });

  it("lists at most 100 problems in one report and says how many more there were", async (t) => {
    const { report } = await publishForFeedback(t, msg(Array.from({ length: 300 }, () => q(null, "0"))));
    assert.equal(report.problems.length, 100);
    assert.ok(report.notes.includes("201 more problems not listed"), JSON.stringify(report.notes));
  });

  it("keeps the last message time and health when a rejected message follows a good one", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.mqttUrl, creds);
    await device.publishAsync(creds.topic, msg([q(1, "0")]), { qos: 1 });
    const before = (await hub.api("GET", `/api/datasources/${creds.id}/health`)).body;
    await device.publishAsync(creds.topic, "not json", { qos: 1 });
    const after = (await hub.api("GET", `/api/datasources/${creds.id}/health`)).body;
    assert.equal(after.status, "UP");
    assert.equal(after.lastMessageAt, before.lastMessageAt);
  });

  it("keeps only the last 50 feedback reports per data source", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.mqttUrl, creds);
    for (let i = 0; i < 55; i++) await device.publishAsync(creds.topic, `bad ${i}`, { qos: 1 });
    const kept = await hub.api("GET", `/api/datasources/${creds.id}/feedback`);
    assert.equal(kept.body.length, 50);
    const stats = (await hub.api("GET", `/api/datasources/${creds.id}`)).body.stats;
    assert.equal(stats.messagesRejected, 55);
  });
});

describe("a packet far over the size limit", () => {
  it("closes that device's connection before reading the packet, and the hub keeps serving others", async (t) => {
    const hub = await startTestHub(t, { config: { maxPayloadBytes: "1024" } });
    const big = await hub.createDataSource({ name: "big" });
    const other = await hub.createDataSource({ name: "other" });
    const bigDevice = await connectDevice(t, hub.mqttUrl, big);
    const otherDevice = await connectDevice(t, hub.mqttUrl, other);
    const closed = whenClosed(bigDevice);
    bigDevice.publish(big.topic, Buffer.alloc(5 * 1024 * 1024, 0x20), { qos: 1 });
    await closed;
    await otherDevice.publishAsync(other.topic, msg([q(5, "2")]), { qos: 1 });
    assert.equal(
      (await hub.api("GET", `/api/datasources/${other.id}/records/latest`)).body.values[0].value,
      5,
    );
    assert.equal((await hub.api("GET", `/api/datasources/${big.id}/records/latest`)).status, 404);
  });
});
