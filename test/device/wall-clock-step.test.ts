import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MeterReading, ReadingSource } from "../../src/device/meter-reading.ts";
import { ModbusConnection } from "../../src/device/modbus-connection.ts";
import { pollReadings } from "../../src/device/polling.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { registerMapFixture, startModbusServer } from "./helpers/fake-meters.ts";
import { startMosquitto } from "./helpers/mosquitto.ts";
import { runPublisher } from "./helpers/run-publisher.ts";
import { SteppableClock } from "./helpers/steppable-clock.ts";

const HOUR_MS = 3_600_000;

describe("the wall clock steps back an hour (NTP) while the publisher runs", () => {
  it("polling keeps its interval; the readings carry the stepped wall time", async () => {
    const clock = new SteppableClock();
    const controller = new AbortController();
    const stamps: number[] = [];
    const read = async (): Promise<MeterReading> => ({ timestamp: clock.wallNow(), quantities: [] });
    const polling = (async () => {
      for await (const event of pollReadings(20, read, controller.signal, clock)) {
        if (event.kind !== "reading") continue;
        stamps.push(event.reading.timestamp);
        if (stamps.length === 2) clock.stepWall(-HOUR_MS);
      }
    })();
    try {
      await waitFor(() => stamps.length >= 6, "four readings after the wall clock stepped back");
    } finally {
      controller.abort();
      await polling;
    }
    const [, beforeStep = 0, afterStep = 0] = stamps;
    assert.ok(
      beforeStep - afterStep > HOUR_MS / 2,
      "the readings after the step carry the stepped-back time",
    );
  });

  it("Modbus request spacing still lets the next request go", async (t) => {
    const map = registerMapFixture("huawei-sun2000-registers.json");
    const server = await startModbusServer(t, map);
    const clock = new SteppableClock();
    const timing = { connectDelayMs: 0, requestSpacingMs: 50, timeoutMs: 2000, retries: 0 };
    const connection = new ModbusConnection("127.0.0.1", server.port, timing, clock);
    t.after(() => connection.close());
    await connection.readRegisters(map.unitId, "holding", 37101, 2);
    clock.stepWall(-HOUR_MS);
    let words: number[] | undefined;
    void connection.readRegisters(map.unitId, "holding", 37101, 2).then((answer) => {
      words = answer;
    });
    assert.deepEqual(await waitFor(() => words, "the request after the step"), [0, 2305]);
  });

  it("sending keeps its pace: the readings queued after the step are acknowledged", async (t) => {
    const device = { id: "7d0f6a52-3c1b-4e8a-9f2d-5b6c7a8e9d01", password: "device-secret" };
    const broker = await startMosquitto(t, { [device.id]: device.password });
    const clock = new SteppableClock();
    // A source of ten readings, as fast as the queue takes them; the sender paces them at 20/s.
    const source: ReadingSource = {
      description: "ten readings",
      bulk: true,
      async *events() {
        for (let i = 0; i < 10; i++) {
          yield {
            kind: "reading",
            reading: { timestamp: clock.wallNow(), quantities: [{ type: 2, quantity: i }] },
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
      overrides: { maxPerSecond: 20, clock },
    });
    await publisher.recorder.waitFor("acknowledged", 2);
    clock.stepWall(-HOUR_MS);
    await publisher.recorder.waitFor("acknowledged", 10, 10_000);
    assert.equal(await publisher.outcome, "done");
  });
});
