import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { MeterReading, ReadingSource } from "../../src/device/meter-reading.ts";
import { ModbusConnection } from "../../src/device/modbus-connection.ts";
import { pollReadings } from "../../src/device/polling.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { registerMapFixture, startModbusServer } from "./helpers/fake-meters.ts";
import { startMosquitto } from "./helpers/mosquitto.ts";
import { runPublisher } from "./helpers/run-publisher.ts";

const HOUR_MS = 3_600_000;
const realNow = Date.now;

/** Steps the process's wall clock (Date.now) back an hour, as NTP does, for the rest of the test. */
function stepWallClockBack(t: TestContext): void {
  t.mock.method(Date, "now", () => realNow() - HOUR_MS);
}

// Code that schedules by the wall clock would wait an hour after the step; the runner's timeout (its own
// timer, unlike waitFor's Date.now deadline, which the step also moves) fails such a test.
const STALL = { timeout: 20_000 };

describe("the wall clock steps back an hour (NTP) while the publisher runs", () => {
  it("polling keeps its interval; the readings carry the stepped wall time", STALL, async (t) => {
    const controller = new AbortController();
    const stamps: number[] = [];
    const read = async (): Promise<MeterReading> => ({ timestamp: Date.now(), quantities: [] });
    const polling = (async () => {
      for await (const event of pollReadings(20, read, controller.signal)) {
        if (event.kind === "reading") stamps.push(event.reading.timestamp);
      }
    })();
    try {
      await waitFor(() => stamps.length >= 2, "two readings before the step");
      const beforeStep = stamps.length;
      stepWallClockBack(t);
      await waitFor(() => stamps.length >= beforeStep + 4, "four readings after the wall clock stepped back");
    } finally {
      controller.abort();
      await polling;
    }
    const [first = 0] = stamps;
    assert.ok(
      (stamps.at(-1) ?? 0) < first - HOUR_MS / 2,
      "the readings after the step carry the stepped-back time",
    );
  });

  it("Modbus request spacing still lets the next request go", STALL, async (t) => {
    const map = registerMapFixture("huawei-sun2000-registers.json");
    const server = await startModbusServer(t, map);
    const timing = { connectDelayMs: 0, requestSpacingMs: 50, timeoutMs: 2000, retries: 0 };
    const connection = new ModbusConnection("127.0.0.1", server.port, timing);
    t.after(() => connection.close());
    await connection.readRegisters(map.unitId, "holding", 37101, 2);
    stepWallClockBack(t);
    assert.deepEqual(await connection.readRegisters(map.unitId, "holding", 37101, 2), [0, 2305]);
  });

  it("sending keeps its pace: the readings queued after the step are acknowledged", STALL, async (t) => {
    const device = { id: "7d0f6a52-3c1b-4e8a-9f2d-5b6c7a8e9d01", password: "device-secret" };
    const broker = await startMosquitto(t, { [device.id]: device.password });
    // A source of ten readings, as fast as the queue takes them; the sender paces them at 20/s.
    const source: ReadingSource = {
      description: "ten readings",
      bulk: true,
      async *events() {
        for (let i = 0; i < 10; i++) {
          yield {
            kind: "reading",
            reading: { timestamp: Date.now(), quantities: [{ type: 2, quantity: i }] },
          };
        }
      },
      close: async () => {},
    };
    const publisher = runPublisher(t, {
      source,
      broker: broker.url,
      username: device.id,
      password: device.password,
      overrides: { maxPerSecond: 20 },
    });
    await publisher.recorder.waitFor("acknowledged", 2);
    stepWallClockBack(t);
    await publisher.recorder.waitFor("acknowledged", 10, 10_000);
    assert.equal(await publisher.outcome, "done");
  });
});
