import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "../../src/platform/logger.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connackCode, connectDevice } from "../helpers/mqtt-device.ts";

/** Text that would pass for a log entry of its own if it were written raw. */
const FORGED = '\n{"level":"error","time":"2020-01-01T00:00:00.000Z","msg":"admin password changed"}\n';

/** `FORGED` repeated to `length` characters. */
function forgedText(length: number): string {
  return FORGED.repeat(Math.ceil(length / FORGED.length)).slice(0, length);
}

/** A hub whose log lines the test reads. */
async function hubWithLog(t: import("node:test").TestContext) {
  const lines: string[] = [];
  const hub = await startTestHub(t, { logger: createLogger("info", (line) => lines.push(line)) });
  /** Stops the hub, so that it writes its open counts, and checks the size of its whole log. */
  const stopAndRead = async () => {
    await hub.stop();
    const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
    assert.ok(bytes < 20_000, `${bytes} bytes of log`);
    // A line that is not one JSON object (a forged one, or a piece of one) fails here.
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(entries.every((e) => e.msg !== "admin password changed"));
    return entries;
  };
  return { hub, stopAndRead };
}

describe("a flood of refused requests leaves a small log with no forged lines", () => {
  it("300 connects with 65 KB usernames full of line breaks write one refusal in full and one count", async (t) => {
    const { hub, stopAndRead } = await hubWithLog(t);
    const username = forgedText(65_000);
    for (let round = 0; round < 30; round++) {
      const codes = await Promise.all(
        Array.from({ length: 10 }, () => connackCode(hub.mqttUrl, username, "wrong password")),
      );
      assert.deepEqual(codes, Array(10).fill(4));
    }

    const refusals = (await stopAndRead()).filter(
      (e) => e.msg === "device connection refused: bad username or password",
    );
    assert.equal(refusals.length, 2);
    const [first, summary] = refusals;
    assert.equal(first?.address, "127.0.0.1");
    assert.ok(String(first?.username).length < 200, "the username is cut");
    assert.match(String(first?.username), /65000 chars/);
    assert.equal(summary?.address, "127.0.0.1");
    assert.equal(summary?.repeated, 299);
    assert.equal(summary?.username, undefined);
  });

  it("300 refused subscriptions with 1000-character topics write one refusal in full and one count", async (t) => {
    const { hub, stopAndRead } = await hubWithLog(t);
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.mqttUrl, creds);
    const granted: number[] = [];
    // Read the SUBACKs themselves: mqtt.js turns a refusal into an error and hides the per-topic codes.
    device.on("packetreceive", (packet) => {
      if (packet.cmd === "suback") granted.push(...(packet.granted as number[]));
    });
    for (let batch = 0; batch < 3; batch++) {
      const topics = Array.from({ length: 100 }, (_, i) => `${forgedText(1000)}/${batch * 100 + i}`);
      await device.subscribeAsync(topics, { qos: 1 }).catch(() => undefined);
    }
    assert.deepEqual(granted, Array(300).fill(128));

    const refusals = (await stopAndRead()).filter((e) => e.msg === "subscription refused");
    assert.deepEqual(
      refusals.map((e) => [e.address, e.repeated]),
      [
        ["127.0.0.1", undefined],
        ["127.0.0.1", 299],
      ],
    );
    assert.equal(refusals[0]?.dataSource, creds.id);
    assert.match(String(refusals[0]?.topic), /1002 chars/);
  });
});
