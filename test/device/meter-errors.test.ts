import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { ReadingSource, SourceEvent } from "../../src/device/meter-reading.ts";
import { createModbusSource } from "../../src/device/modbus-source.ts";
import { loadProfile } from "../../src/device/profile-catalogue.ts";
import type { ModbusProfile, RestProfile } from "../../src/device/profile-schema.ts";
import { createRestSource } from "../../src/device/rest-source.ts";
import {
  registerMapFixture,
  startHttpMeter,
  startJsonMeter,
  startModbusServer,
  startSilencingRelay,
} from "./helpers/fake-meters.ts";
import { freePort } from "./helpers/free-port.ts";

/** The first `count` events of a source, then it is stopped and closed. */
async function firstEvents(source: ReadingSource, count: number): Promise<SourceEvent[]> {
  const controller = new AbortController();
  const events: SourceEvent[] = [];
  try {
    for await (const event of source.events(controller.signal)) {
      events.push(event);
      if (events.length === count) break;
    }
    return events;
  } finally {
    controller.abort();
    await source.close();
  }
}

/** The first event of a source, then it is stopped and closed. */
async function firstEvent(source: ReadingSource): Promise<SourceEvent> {
  const [event] = await firstEvents(source, 1);
  if (event === undefined) throw new Error("the source ended without an event");
  return event;
}

function failureOf(event: SourceEvent): string {
  assert.equal(event.kind, "read-failed", "the read should fail");
  return event.kind === "read-failed" ? event.message : "";
}

const amis = loadProfile("amis-reader") as RestProfile;
const tasmota = loadProfile("tasmota-sml") as RestProfile;
const huawei = loadProfile("huawei-sun2000") as ModbusProfile;
const fastTiming = { connectDelayMs: 0, requestSpacingMs: 0, timeoutMs: 300, retries: 1 };

function rest(url: string, profile = amis, variables: Record<string, string> = {}, timeoutMs = 1000) {
  return createRestSource({ url, profile, extraFields: [], variables, intervalMs: 1000, timeoutMs });
}

describe("reading a REST meter", () => {
  it("says the meter cannot be reached, and where, when nothing listens", async () => {
    const port = await freePort();
    const message = failureOf(await firstEvent(rest(`http://127.0.0.1:${port}`)));
    assert.match(
      message,
      new RegExp(`cannot read the meter at http://127\\.0\\.0\\.1:${port}/rest: connection refused`),
    );
  });

  it("reports the HTTP status when the meter answers with an error", async (t) => {
    const meter = await startJsonMeter(t, {});
    assert.match(failureOf(await firstEvent(rest(meter.baseUrl))), /answered HTTP 404 Not Found/);
  });

  it("names every missing value and the quantity it was for", async (t) => {
    const meter = await startJsonMeter(t, { "/rest": () => ({ "1.8.0": 1000, "2.8.0": "n/a" }) });
    const message = failureOf(await firstEvent(rest(meter.baseUrl)));
    assert.match(
      message,
      /no number at \/2\.8\.0 \(→ 1-0:2\.8\.0 \(type 1, TOTAL_ACTIVE_ENERGY_PRODUCED_KWH\)\)/,
    );
    assert.match(message, /\/1\.7\.0 .*\/2\.7\.0/);
  });

  it("refuses hexadecimal, binary and space-padded numbers, as the hub does, and says what it got", async (t) => {
    const meter = await startJsonMeter(t, {
      "/rest": () => ({ "1.7.0": "0x5DC", "2.7.0": "0b101", "1.8.0": " 25", "2.8.0": "1.5e3" }),
    });
    const message = failureOf(await firstEvent(rest(meter.baseUrl)));
    assert.match(message, /\/1\.7\.0 \(→ 1-0:1\.7\.0 [^)]*\)\), got string "0x5DC"/);
    assert.match(message, /\/2\.7\.0 \(→ 1-0:2\.7\.0 [^)]*\)\), got string "0b101"/);
    assert.match(message, /\/1\.8\.0 \(→ 1-0:1\.8\.0 [^)]*\)\), got string " 25"/);
    assert.doesNotMatch(message, /2\.8\.0/, '"1.5e3" is a decimal number the hub accepts');
  });

  it("reports an answer whose body stalls as a timeout, naming the URL and the seconds", async (t) => {
    const meter = await startHttpMeter(t, (_request, response) => {
      // Headers and half a JSON document, then nothing: the connection stays open.
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"1.7.0": 1200, "2.7.0"');
    });
    assert.equal(
      failureOf(await firstEvent(rest(meter.baseUrl, amis, {}, 300))),
      `the meter at ${meter.baseUrl}/rest did not finish its answer within 0.3 s`,
    );
  });

  it("reports a meter that sends nothing at all as a timeout, naming the URL and the seconds", async (t) => {
    const meter = await startHttpMeter(t, () => {
      // Never answers: no headers, no body.
    });
    assert.equal(
      failureOf(await firstEvent(rest(meter.baseUrl, amis, {}, 300))),
      `the meter at ${meter.baseUrl}/rest did not answer within 0.3 s`,
    );
  });

  it('says a redirect loop is one, instead of only "fetch failed"', async (t) => {
    const meter = await startHttpMeter(t, (_request, response) => {
      response.writeHead(302, { location: "/rest" }).end();
    });
    assert.match(
      failureOf(await firstEvent(rest(meter.baseUrl))),
      new RegExp(
        `^cannot read the meter at ${meter.baseUrl}/rest: too many redirects \\(more than 20: a redirect loop\\?\\)$`,
      ),
    );
  });

  it("uses a full --url as given and Tasmota labels from --set", async (t) => {
    const meter = await startJsonMeter(t, {
      "/cm?cmnd=status%2010": () => ({ StatusSNS: { MT681: { E_in: 12.5, Power: 400 } } }),
    });
    const event = await firstEvent(
      rest(`${meter.baseUrl}/cm?cmnd=status%2010`, tasmota, {
        meter: "MT681",
        importEnergy: "E_in",
        power: "Power",
      }),
    );
    assert.equal(event.kind, "reading");
    assert.deepEqual(event.kind === "reading" ? event.reading.quantities : [], [
      { type: 0, quantity: 12.5 },
      { type: 2, quantity: 0.4 },
      { type: 3, quantity: 0 },
    ]);
  });

  it("refuses a --set variable the profile does not have", () => {
    assert.throws(
      () => rest("http://127.0.0.1", tasmota, { powr: "x" }),
      /tasmota-sml has no variable "powr"; it has meter/,
    );
  });
});

/**
 * The Huawei profile read every 50 ms from the register fixture through a relay whose first connection goes
 * silent after one answer; `retries` further attempts per timed-out read.
 */
async function huaweiBehindSilencingRelay(t: TestContext, retries: number) {
  const server = await startModbusServer(t, registerMapFixture("huawei-sun2000-registers.json"));
  const relay = await startSilencingRelay(t, server.port, 1);
  const source = createModbusSource({
    host: "127.0.0.1",
    port: relay.port,
    unitId: 1,
    timing: { ...fastTiming, retries },
    profile: huawei,
    intervalMs: 50,
  });
  return { relay, source };
}

describe("reading a Modbus device", () => {
  it("says the inverter refused the connection when nothing listens", async () => {
    const port = await freePort();
    const source = createModbusSource({
      host: "127.0.0.1",
      port,
      unitId: 1,
      timing: fastTiming,
      profile: huawei,
      intervalMs: 1000,
    });
    assert.match(
      failureOf(await firstEvent(source)),
      new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port}: connection refused`),
    );
  });

  it("points to probe-modbus when the unit id gets no answer", async (t) => {
    const server = await startModbusServer(t, registerMapFixture("huawei-sun2000-registers.json"));
    const source = createModbusSource({
      host: "127.0.0.1",
      port: server.port,
      unitId: 16,
      timing: fastTiming,
      profile: huawei,
      intervalMs: 1000,
    });
    const message = failureOf(await firstEvent(source));
    assert.match(
      message,
      /no answer from 127\.0\.0\.1:\d+ unit id 16 within 300 ms \(wrong unit id\? `aiida-hub probe-modbus`/,
    );
  });

  it("reconnects on the next poll after a read timed out on a connection that stays open", async (t) => {
    const { relay, source } = await huaweiBehindSilencingRelay(t, 0);
    const events = await firstEvents(source, 3);
    assert.deepEqual(
      events.map((e) => e.kind),
      ["reading", "read-failed", "reading"],
      "the read after the silent one goes through a new connection",
    );
    assert.equal(relay.connections, 2);
    const message = failureOf(events[1] as SourceEvent);
    assert.match(
      message,
      /^no answer from 127\.0\.0\.1:\d+ unit id 1 within 300 ms, though it answered before; the next attempt opens a new connection$/,
    );
    assert.doesNotMatch(
      message,
      /wrong unit id|probe-modbus/,
      "unit id 1 just answered: it is not the culprit",
    );
  });

  it("retries a timed-out read on a new connection", async (t) => {
    const { relay, source } = await huaweiBehindSilencingRelay(t, 1);
    const events = await firstEvents(source, 2);
    assert.deepEqual(
      events.map((e) => e.kind),
      ["reading", "reading"],
    );
    assert.equal(relay.connections, 2);
  });

  it("reports a Modbus exception (no power meter registers) without retrying", async (t) => {
    const server = await startModbusServer(t, { unitId: 1, holdingRegisters: { "37100": 1 } });
    const source = createModbusSource({
      host: "127.0.0.1",
      port: server.port,
      unitId: 1,
      timing: fastTiming,
      profile: huawei,
      intervalMs: 1000,
    });
    assert.match(
      failureOf(await firstEvent(source)),
      /unit id 1 refused registers 37101\.\.37137: Modbus exception 2/,
    );
    assert.equal(server.requests, 1, "an exception is the device's answer; asking again would not change it");
  });
});
