import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { queueFilePath, ReadingQueue } from "../../src/device/reading-queue.ts";
import { type Mqtt5TestServerBehaviour, startMqtt5TestServer } from "./helpers/mqtt5-test-server.ts";
import { spawnPublisher } from "./helpers/publisher-process.ts";
import { tempStateDir } from "./helpers/run-publisher.ts";

const DEVICE = { id: "5eef407d-d14f-49d4-b61a-769a20caa540", password: "device-secret" };

/** Replay lines, one reading each, told apart in the payload by their minute. */
const READINGS = ["07:01", "07:02", "07:03"].map(
  (minute) => `{"timestamp":"2025-07-01T${minute}:00Z","quantities":{"0":100.5,"2":0.3}}`,
);

/** The reading of a payload: its minute, e.g. "07:02". */
function minuteOf(payload: string): string {
  const time = (JSON.parse(payload) as { "dateAndOrTime.dateTime": string })["dateAndOrTime.dateTime"];
  return time.slice(11, 16);
}

/** Runs `publish replay --mqtt-version 5` against a test server; returns the server, the run and the queue left. */
async function replayAgainst(
  t: TestContext,
  behaviour: Mqtt5TestServerBehaviour,
  lines: readonly string[],
  extraArgs: readonly string[] = [],
) {
  const server = await startMqtt5TestServer(t, behaviour);
  const stateDir = tempStateDir(t);
  const run = spawnPublisher(
    t,
    ["publish", "replay", "--mqtt-version", "5", "--state-dir", stateDir, ...extraArgs],
    {
      env: { AIIDA_BROKER: server.url, AIIDA_USERNAME: DEVICE.id, AIIDA_PASSWORD: DEVICE.password },
      input: lines.join("\n"),
    },
  );
  const { code } = await run.exited;
  const queue = ReadingQueue.open(queueFilePath(stateDir, DEVICE.id), 1000);
  const left = queue.peekAfter(0, 1000).map((reading) => minuteOf(reading.payload));
  queue.close();
  return { server, run, code, left };
}

/** stderr without the timestamps that start its lines. */
function lines(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.replace(/^\S+ /, ""));
}

describe("the publisher over MQTT 5: what the hub's PUBACK says", () => {
  it("shows partly stored and rejected (0x99) readings with the hub's reason; both leave the queue, neither is resent", async (t) => {
    const { server, run, code, left } = await replayAgainst(
      t,
      {
        puback: (payload) => {
          const minute = minuteOf(payload);
          if (minute === "07:01")
            return { reasonCode: 0, reasonString: "partial: $.Quantity[1].type: unknown" };
          if (minute === "07:02") return { reasonCode: 0x99, reasonString: "rejected: $.Quantity: empty" };
          return { reasonCode: 0 };
        },
      },
      READINGS,
    );
    assert.equal(code, 0, run.stderr());
    assert.equal(server.connects[0]?.protocolVersion, 5, "the publisher connected with MQTT 5");
    const said = lines(run.stderr());
    assert.ok(
      said.includes(
        'the hub stored reading #1 only in part (PUBACK 0x00: "partial: $.Quantity[1].type: unknown")',
      ),
      run.stderr(),
    );
    assert.ok(
      said.includes(
        'the hub rejected reading #2 (PUBACK 0x99 payload format invalid: "rejected: $.Quantity: empty"); ' +
          "it is removed from the queue and not sent again",
      ),
      run.stderr(),
    );
    assert.equal(
      said.filter((line) => line.includes("reading #3")).length,
      0,
      "a stored reading is not shown",
    );
    assert.deepEqual(
      server.publishes.map((p) => [minuteOf(p.payload), p.delivery]),
      [
        ["07:01", 1],
        ["07:02", 1],
        ["07:03", 1],
      ],
      "each reading was sent once: a rejected one is not sent again",
    );
    assert.deepEqual(left, [], "the queue is empty");
  });

  it("keeps a refused reading (0x97 quota exceeded) queued, says so once and sends it again until the hub takes it", async (t) => {
    const { server, run, code, left } = await replayAgainst(
      t,
      {
        puback: (payload, delivery) =>
          minuteOf(payload) === "07:02" && delivery <= 2
            ? { reasonCode: 0x97, reasonString: "more than 100 messages per second" }
            : { reasonCode: 0 },
      },
      READINGS,
      ["--reconnect-max", "1"],
    );
    assert.equal(code, 0, run.stderr());
    const said = lines(run.stderr());
    const refused = said.filter((line) => line.startsWith("the broker refused a reading"));
    assert.deepEqual(
      refused,
      [
        'the broker refused a reading (PUBACK 0x97 quota exceeded: "more than 100 messages per second"); ' +
          "readings stay queued and are sent again from the oldest in 1 s, then with growing pauses while it refuses",
      ],
      "said once for two refusals",
    );
    assert.ok(
      said.includes(
        "the broker takes readings again (after 2 refusals; the refused readings were kept and sent again)",
      ),
      run.stderr(),
    );
    const deliveriesOf = (minute: string) =>
      server.publishes.filter((p) => minuteOf(p.payload) === minute).length;
    assert.equal(deliveriesOf("07:02"), 3, "refused twice, taken the third time");
    assert.equal(deliveriesOf("07:01"), 1);
    assert.equal(deliveriesOf("07:03"), 1, "a reading the hub took is not sent again");
    assert.deepEqual(left, []);
  });

  it("while the broker keeps refusing, the reading stays in the queue and is resent with growing pauses", async (t) => {
    const arrivals: number[] = [];
    const { run, code, left } = await replayAgainst(
      t,
      {
        puback: () => {
          arrivals.push(performance.now());
          return { reasonCode: 0x97 };
        },
      },
      READINGS.slice(0, 1),
      ["--flush-timeout", "4"],
    );
    assert.equal(code, 1, `a replay that could not send everything exits 1:\n${run.stderr()}`);
    assert.deepEqual(left, ["07:01"], "the refused reading is still queued");
    assert.equal(
      lines(run.stderr()).filter((line) => line.startsWith("the broker refused a reading")).length,
      1,
      run.stderr(),
    );
    assert.ok(arrivals.length >= 3, `sent again: ${arrivals.length} deliveries`);
    const [first = 0, second = 0, third = 0] = arrivals;
    assert.ok(second - first >= 900, `first pause ${second - first} ms`);
    assert.ok(third - second >= 1900, `the second pause doubled: ${third - second} ms`);
  });

  it("keeps no more publishes unacknowledged than the broker's receive maximum, whatever --max-in-flight says", async (t) => {
    // Held PUBACKs let unacknowledged publishes pile up; a publisher that ignored the limit would have
    // all six out within the hold at --max-rate 1000.
    const { server, run, code, left } = await replayAgainst(
      t,
      { receiveMaximum: 2, pubackDelayMs: 200 },
      ["07:01", "07:02", "07:03", "07:04", "07:05", "07:06"].map(
        (minute) => `{"timestamp":"2025-07-01T${minute}:00Z","quantities":{"0":1}}`,
      ),
      ["--max-in-flight", "16", "--max-rate", "1000"],
    );
    assert.equal(code, 0, run.stderr());
    assert.equal(server.publishes.length, 6);
    assert.equal(server.maxUnacknowledged(), 2);
    assert.deepEqual(left, []);
  });

  it("says why the broker disconnected (MQTT 5 DISCONNECT reason) and sends the unacknowledged reading again", async (t) => {
    const { server, run, code, left } = await replayAgainst(
      t,
      {
        disconnect: (_payload, delivery) =>
          delivery === 1 ? { reasonCode: 0x8b, reasonString: "hub stopping for an update" } : undefined,
      },
      READINGS.slice(0, 1),
    );
    assert.equal(code, 0, run.stderr());
    assert.ok(
      lines(run.stderr()).includes(
        'lost the broker (the broker disconnected: DISCONNECT 0x8b server shutting down: "hub stopping for an update"); ' +
          "readings stay queued until it is back",
      ),
      run.stderr(),
    );
    assert.deepEqual(
      server.publishes.map((p) => p.delivery),
      [1, 2],
    );
    assert.deepEqual(left, []);
  });
});
