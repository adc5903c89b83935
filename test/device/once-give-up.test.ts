import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ReadingSource } from "../../src/device/meter-reading.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { freePort } from "./helpers/free-port.ts";
import { spawnPublisher } from "./helpers/publisher-process.ts";
import { runPublisher, tempStateDir } from "./helpers/run-publisher.ts";

/** The lines of a publisher's stderr that tell a failed connection attempt, without their timestamps. */
function connectFailures(stderr: string): string[] {
  return stderr
    .split("\n")
    .map((line) => line.replace(/^\S+ /, ""))
    .filter((line) => line.startsWith("cannot reach the broker"));
}

describe("--once says 'retrying' only when a retry can still come", () => {
  it("an unreachable broker: retries while one fits into --flush-timeout, then says it gives up", async (t) => {
    const port = await freePort();
    const run = spawnPublisher(t, [
      "publish",
      "simulate",
      "--once",
      "--flush-timeout",
      "5",
      "--broker",
      `mqtt://127.0.0.1:${port}`,
      "--username",
      "ds-1",
      "--password",
      "pw",
      "--state-dir",
      tempStateDir(t),
    ]);
    assert.equal((await run.exited).code, 1, run.stderr());
    const lines = connectFailures(run.stderr());
    const last = lines.pop();
    assert.match(
      last ?? "",
      /: connection refused \(nothing listens on that port\); giving up: the next try \(in \d+(\.\d)? s\) would come after --flush-timeout ends; unsent readings stay queued$/,
      run.stderr(),
    );
    // Back-off 1 s, 2 s, 4 s: at least the 1 s retry fits into 5 s; each one announced was made (a line follows).
    assert.ok(lines.length >= 1, run.stderr());
    for (const line of lines)
      assert.match(line, /: connection refused \(nothing listens on that port\); retrying in \d+(\.\d)? s$/);
    assert.match(lines[0] ?? "", /retrying in 1 s$/);
    assert.match(
      run.stderr(),
      /stopped after sending 0 readings; 1 reading kept in the queue for the next start/,
    );
  });

  it("a broker back within --flush-timeout: the announced retry comes and the reading is stored", async (t) => {
    const port = await freePort();
    const firstHub = await startTestHub(t, { config: { mqttPort: String(port) } });
    const creds = await firstHub.createDataSource();
    await firstHub.stop();
    const run = spawnPublisher(t, [
      "publish",
      "simulate",
      "--once",
      "--flush-timeout",
      "60",
      "--reconnect-max",
      "1",
      "--broker",
      creds.brokerUrl,
      "--username",
      creds.id,
      "--password",
      creds.password,
      "--state-dir",
      tempStateDir(t),
    ]);
    await waitFor(() => /retrying in 1 s/.test(run.stderr()), "a retry to be announced", 60_000);
    const hub = await startTestHub(t, { dataDir: firstHub.dataDir, config: { mqttPort: String(port) } });
    assert.equal((await run.exited).code, 0, run.stderr());
    assert.doesNotMatch(run.stderr(), /giving up/);
    const records = await hub.api("GET", `/api/datasources/${creds.id}/records`);
    assert.equal(records.body.records.length, 1);
  });

  it("a retry announced while reading that falls after the flush's deadline ends the flush at once, saying so", async (t) => {
    const port = await freePort();
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A meter whose one reading comes only when the test says: after the broker failed twice.
    const source: ReadingSource = {
      description: "a slow meter",
      async *events() {
        await released;
        yield { kind: "reading", reading: { timestamp: Date.now(), quantities: [{ type: 0, quantity: 1 }] } };
      },
      close: async () => {},
    };
    const publisher = runPublisher(t, {
      source,
      broker: `mqtt://127.0.0.1:${port}`,
      username: "ds-1",
      password: "pw",
      overrides: {
        once: true,
        flushTimeoutMs: 1000,
        link: {
          brokerUrl: `mqtt://127.0.0.1:${port}`,
          mqttVersion: 4,
          ca: undefined,
          username: "ds-1",
          password: "pw",
          clientId: "aiida-pub-ds-1",
          feedbackTopic: undefined,
          reconnectMinMs: 2000,
          reconnectMaxMs: 60_000,
          connectTimeoutMs: 5000,
        },
      },
    });
    const failures = await publisher.recorder.waitFor("connect-failed", 2);
    assert.deepEqual(
      failures.map((f) => [f.retryInMs, f.givingUp]),
      [
        [2000, undefined],
        [4000, undefined],
      ],
      "while reading, a retry may still come before the flush ends",
    );
    release();
    assert.equal(await publisher.outcome, "unsent");
    const [givenUp] = publisher.recorder.of("flush-given-up");
    assert.ok(givenUp, "said why it ends before --flush-timeout");
    assert.equal(givenUp.flushTimeoutMs, 1000);
    assert.ok(givenUp.nextTryInMs > 1000 && givenUp.nextTryInMs <= 4000, String(givenUp.nextTryInMs));
    assert.equal(publisher.recorder.of("connect-failed").length, 2, "no try after giving up");
    assert.deepEqual(publisher.recorder.of("stopped"), [{ kind: "stopped", backlog: 1, sentTotal: 0 }]);
  });
});
