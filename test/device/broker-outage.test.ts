import assert from "node:assert/strict";
import { describe, it } from "node:test";
import mqtt from "mqtt";
import { createSimulateSource } from "../../src/device/simulate-source.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { startMosquitto } from "./helpers/mosquitto.ts";
import { runPublisher, tempStateDir } from "./helpers/run-publisher.ts";

const DEVICE = { id: "0b9c4f3e-8a51-4c1e-9a7e-3f2d6c1b5a90", password: "device-secret" };
const OBSERVER = { name: "observer", password: "observer-secret" };
const TOPIC = `aiida/${DEVICE.id}/data`;

function timeOf(payload: string): number {
  return Date.parse((JSON.parse(payload) as { "dateAndOrTime.dateTime": string })["dateAndOrTime.dateTime"]);
}

describe("the broker goes away for a while and comes back on the same port", () => {
  it("every reading arrives exactly once, in order, with the time it was read", async (t) => {
    const broker = await startMosquitto(t, {
      [DEVICE.id]: DEVICE.password,
      [OBSERVER.name]: OBSERVER.password,
    });
    // A persistent session (clean: false, QoS 1) survives the broker restart, so the observer misses
    // nothing even if the publisher reconnects first.
    const received: string[] = [];
    const observer = await mqtt.connectAsync(broker.url, {
      username: OBSERVER.name,
      password: OBSERVER.password,
      clientId: "outage-observer",
      clean: false,
      reconnectPeriod: 100,
    });
    t.after(() => observer.endAsync(true));
    observer.on("message", (_topic, payload, packet) => {
      // The broker re-delivering its own unacknowledged message to the observer after the restart is
      // marked dup; the publisher's re-sends never are, so this cannot hide a duplicate from the publisher.
      if (packet.dup && received.includes(payload.toString())) return;
      received.push(payload.toString());
    });
    await observer.subscribeAsync(TOPIC, { qos: 1 });

    const source = createSimulateSource({ seed: 11, pvPeakKw: 5, intervalMs: 200, counterFile: undefined });
    const publisher = runPublisher(t, {
      source,
      broker: broker.url,
      username: DEVICE.id,
      password: DEVICE.password,
    });
    const { recorder } = publisher;

    // Stop right after a delivery, between two readings, so no publish is caught half-way.
    await waitFor(() => received.length >= 3, "three readings before the outage");
    await broker.stop();
    const stoppedAt = Date.now();
    await recorder.waitFor("connection-lost");
    const queuedBefore = recorder.of("queued").length;
    await waitFor(
      () => recorder.of("queued").length >= queuedBefore + 5,
      "five readings taken while the broker is down",
    );
    await waitFor(() => recorder.of("connect-failed").length >= 1, "a failed reconnect attempt");
    await broker.start();
    const restartedAt = Date.now();

    await recorder.waitFor("connected", 2);
    const queuedAtRestart = recorder.of("queued").length;
    await waitFor(() => received.length >= queuedAtRestart + 2, "the backlog and two fresh readings");
    assert.equal(await publisher.stop(), "stopped");
    const [stopped] = recorder.of("stopped");
    assert.equal(stopped?.backlog, 0, "the flush on stop sent everything");

    const sent = recorder.of("queued").map((q) => q.payload);
    await waitFor(() => received.length >= sent.length, `all ${sent.length} readings at the observer`);
    assert.equal(received.length, sent.length, "no reading arrived twice");
    assert.deepEqual(received, sent, "the same payloads, in the order they were read");
    const times = received.map(timeOf);
    assert.ok(
      times.every((time, i) => i === 0 || time > (times[i - 1] ?? 0)),
      "timestamps strictly increase",
    );
    const readDuringOutage = times.filter((time) => time > stoppedAt && time < restartedAt);
    assert.ok(
      readDuringOutage.length >= 5,
      "readings from the outage carry the time they were read, not sent",
    );
    assert.deepEqual(
      recorder.of("acknowledged").map((a) => a.seq),
      recorder.of("queued").map((q) => q.seq),
      "acknowledged in queue order",
    );
  });

  it("a refused password is retried only at the back-off cap, never in a busy loop", async (t) => {
    const broker = await startMosquitto(t, { [DEVICE.id]: DEVICE.password });
    const source = createSimulateSource({ seed: 1, pvPeakKw: 5, intervalMs: 100, counterFile: undefined });
    const publisher = runPublisher(t, { source, broker: broker.url, username: DEVICE.id, password: "wrong" });
    const attemptTimes: number[] = [];
    const attempts = () => broker.log().split("New connection from").length - 1;
    // Note when the broker sees each attempt (polled at 20 ms), until three attempts.
    await waitFor(() => {
      while (attemptTimes.length < attempts()) attemptTimes.push(Date.now());
      return attemptTimes.length >= 3;
    }, "three connection attempts");
    const [first, second, third] = attemptTimes;
    assert.ok(first !== undefined && second !== undefined && third !== undefined);
    // The cap is 1 s in this test (30 s by default); the first back-off steps would be 100 and 200 ms.
    // Times are noted by polling, so allow for a late look at one attempt but not for the steps.
    assert.ok(third - first >= 1800, `three attempts within ${third - first} ms`);
    assert.ok(
      second - first >= 500 && third - second >= 500,
      `gaps ${second - first} and ${third - second} ms`,
    );
    assert.equal(publisher.recorder.of("connect-failed").length, 1);
    assert.match(broker.log(), /not authori[sz]ed/);
  });

  it("Ctrl-C while the broker is down keeps the readings; the next start sends them first", async (t) => {
    const broker = await startMosquitto(t, {
      [DEVICE.id]: DEVICE.password,
      [OBSERVER.name]: OBSERVER.password,
    });
    await broker.stop();
    const stateDir = tempStateDir(t);
    const firstRun = runPublisher(t, {
      source: createSimulateSource({ seed: 2, pvPeakKw: 5, intervalMs: 50, counterFile: undefined }),
      broker: broker.url,
      username: DEVICE.id,
      password: DEVICE.password,
      stateDir,
    });
    await firstRun.recorder.waitFor("queued", 4);
    const started = Date.now();
    assert.equal(await firstRun.stop(), "stopped");
    assert.ok(Date.now() - started < 2000, "no flush wait without a connection");
    const kept = firstRun.recorder.of("queued").map((q) => q.payload);
    assert.equal(firstRun.recorder.of("stopped")[0]?.backlog, kept.length);

    await broker.start();
    const received: string[] = [];
    const observer = await mqtt.connectAsync(broker.url, {
      username: OBSERVER.name,
      password: OBSERVER.password,
      reconnectPeriod: 0,
    });
    t.after(() => observer.endAsync(true));
    observer.on("message", (_topic, payload) => received.push(payload.toString()));
    await observer.subscribeAsync(TOPIC, { qos: 1 });
    const secondRun = runPublisher(t, {
      source: createSimulateSource({ seed: 3, pvPeakKw: 5, intervalMs: 50, counterFile: undefined }),
      broker: broker.url,
      username: DEVICE.id,
      password: DEVICE.password,
      stateDir,
    });
    assert.equal(secondRun.recorder.of("started")[0]?.backlog, kept.length);
    await waitFor(() => received.length >= kept.length + 2, "the kept readings and two new ones");
    assert.deepEqual(received.slice(0, kept.length), kept);
  });
});
