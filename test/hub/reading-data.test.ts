import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";

const BASE = Date.parse("2026-02-01T00:00:00Z");

/** Publishes one message per 10 s from BASE: type 0 (energy, rising) and type 2 (power, i % 6). */
async function publishSeries(t: import("node:test").TestContext, count: number) {
  const hub = await startTestHub(t);
  const creds = await hub.createDataSource();
  const device = await connectDevice(t, hub.mqttUrl, creds);
  for (let i = 0; i < count; i++) {
    const payload = {
      "dateAndOrTime.dateTime": new Date(BASE + i * 10_000).toISOString(),
      Quantity: [
        { quantity: 100 + i, type: "0" },
        { quantity: i % 6, type: "2" },
      ],
    };
    await device.publishAsync(creds.topic, JSON.stringify(payload), { qos: 1 });
  }
  return { hub, creds, device };
}

describe("reading data back", () => {
  it("pages raw records newest first with a cursor, filters by time range and OBIS code", async (t) => {
    const { hub, creds } = await publishSeries(t, 25);
    const base = `/api/datasources/${creds.id}/records`;
    const page1 = (await hub.api("GET", `${base}?limit=10`)).body;
    assert.equal(page1.records.length, 10);
    assert.equal(page1.records[0].timestamp, new Date(BASE + 24 * 10_000).toISOString());
    const page2 = (await hub.api("GET", `${base}?limit=10&before=${page1.nextBefore}`)).body;
    const page3 = (await hub.api("GET", `${base}?limit=10&before=${page2.nextBefore}`)).body;
    assert.equal(page3.records.length, 5);
    assert.equal(page3.nextBefore, null);
    const all = [...page1.records, ...page2.records, ...page3.records].map((r: any) => r.values[0].value);
    assert.deepEqual(
      all,
      Array.from({ length: 25 }, (_, i) => 124 - i),
    );

    const from = new Date(BASE + 50_000).toISOString();
    const to = new Date(BASE + 100_000).toISOString();
    const ranged = (await hub.api("GET", `${base}?from=${from}&to=${to}&obis=1-0:1.7.0`)).body;
    assert.equal(ranged.records.length, 6);
    for (const r of ranged.records)
      assert.deepEqual(
        r.values.map((v: any) => v.dataTag),
        ["1-0:1.7.0"],
      );

    const bad = await hub.api("GET", `${base}?obis=9-9:9.9.9&limit=0&from=yesterday`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details.map((d: any) => d.path).sort(), ["from", "limit", "obis"]);
  });

  it("takes negative epoch milliseconds for from, to and before, as it takes ISO dates before 1970", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.mqttUrl, creds);
    for (const ts of [-3 * 60_000, -2 * 60_000, -60_000]) {
      const payload = {
        "dateAndOrTime.dateTime": new Date(ts).toISOString(),
        Quantity: [{ quantity: ts, type: "2" }],
      };
      await device.publishAsync(creds.topic, JSON.stringify(payload), { qos: 1 });
    }
    const base = `/api/datasources/${creds.id}/records`;
    const values = (body: any) => body.records.map((r: any) => r.values[0].value);
    const byMs = await hub.api("GET", `${base}?from=-150000&to=-1`);
    assert.equal(byMs.status, 200, JSON.stringify(byMs.body));
    const byIso = await hub.api(
      "GET",
      `${base}?from=${new Date(-150_000).toISOString()}&to=${new Date(-1).toISOString()}`,
    );
    assert.deepEqual(values(byMs.body), [-60_000, -120_000]);
    assert.deepEqual(values(byMs.body), values(byIso.body));
    const older = await hub.api("GET", `${base}?before=-60000`);
    assert.deepEqual(values(older.body), [-120_000, -180_000]);

    const bad = await hub.api("GET", `${base}?from=-`);
    assert.equal(bad.status, 400);
    assert.deepEqual(
      bad.body.error.details.map((d: any) => d.path),
      ["from"],
    );
  });

  it("downsamples into min/avg/max/last per bucket for charts", async (t) => {
    const { hub, creds } = await publishSeries(t, 12); // two minutes of 10-second data
    const from = new Date(BASE).toISOString();
    const to = new Date(BASE + 119_999).toISOString();
    const res = await hub.api(
      "GET",
      `/api/datasources/${creds.id}/records?bucket=1m&from=${from}&to=${to}&obis=1-0:1.7.0`,
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.series.length, 1);
    const power = res.body.series[0];
    assert.equal(power.dataTag, "1-0:1.7.0");
    assert.equal(power.unitOfMeasurement, "kW");
    assert.deepEqual(power.points, [
      { t: "2026-02-01T00:00:00.000Z", min: 0, avg: 2.5, max: 5, last: 5, count: 6 },
      { t: "2026-02-01T00:01:00.000Z", min: 0, avg: 2.5, max: 5, last: 5, count: 6 },
    ]);
    const energy = (
      await hub.api("GET", `/api/datasources/${creds.id}/records?bucket=1m&from=${from}&to=${to}`)
    ).body.series.find((s: any) => s.dataTag === "1-0:1.8.0");
    assert.deepEqual(
      energy.points.map((p: any) => [p.min, p.max, p.last]),
      [
        [100, 105, 105],
        [106, 111, 111],
      ],
    );
    const tooFine = await hub.api(
      "GET",
      `/api/datasources/${creds.id}/records?bucket=1s&from=2020-01-01T00:00:00Z`,
    );
    assert.equal(tooFine.status, 400);
    assert.equal(tooFine.body.error.details[0].path, "bucket");
  });

  it("streams new records and feedback live as Server-Sent Events", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.mqttUrl, creds);
    const controller = new AbortController();
    t.after(() => controller.abort());
    const res = await fetch(`${hub.httpUrl}/api/datasources/${creds.id}/live`, {
      headers: { authorization: `Bearer ${hub.token}` },
      signal: controller.signal,
    });
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const nextEvent = async (): Promise<{ event: string; data: any }> => {
      for (;;) {
        const match = /event: (\w+)\ndata: (.*)\n\n/.exec(buffer);
        if (match?.[1] && match[2]) {
          buffer = buffer.slice((match.index ?? 0) + match[0].length);
          return { event: match[1], data: JSON.parse(match[2]) };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buffer += decoder.decode(value, { stream: true });
      }
    };
    // A recent reading: one weeks old would add a feedback event about its age.
    const readAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString();
    const payload = {
      "dateAndOrTime.dateTime": readAt,
      Quantity: [{ quantity: 2.2, type: "2" }],
    };
    await device.publishAsync(creds.topic, JSON.stringify(payload), { qos: 1 });
    const record = await nextEvent();
    assert.equal(record.event, "record");
    assert.equal(record.data.timestamp, readAt);
    assert.equal(record.data.values[0].value, 2.2);
    await device.publishAsync(creds.topic, "nonsense", { qos: 1 });
    const feedback = await nextEvent();
    assert.equal(feedback.event, "feedback");
    assert.equal(feedback.data.status, "rejected");
  });
});
