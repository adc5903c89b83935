import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { registerMapFixture, startModbusServer } from "./helpers/fake-meters.ts";
import { freePort } from "./helpers/free-port.ts";
import { spawnPublisher } from "./helpers/publisher-process.ts";
import { tempStateDir } from "./helpers/run-publisher.ts";

/** A hub with one data source, and the environment that points the publisher at it. */
async function hubWithSource(t: TestContext) {
  const hub = await startTestHub(t);
  const creds = await hub.createDataSource();
  const env = { AIIDA_BROKER: creds.brokerUrl, AIIDA_USERNAME: creds.id, AIIDA_PASSWORD: creds.password };
  const records = async () =>
    (await hub.api("GET", `/api/datasources/${creds.id}/records?limit=1000`)).body.records as Array<{
      timestamp: string;
      values: Array<{ dataTag: string; value: number }>;
    }>;
  return { hub, creds, env, records };
}

describe("aiida-hub publish (the CLI as a child process)", () => {
  it("--once with credentials from the environment reads one reading, sends it and exits 0", async (t) => {
    const { env, records } = await hubWithSource(t);
    const run = spawnPublisher(t, ["publish", "simulate", "--once", "--state-dir", tempStateDir(t)], { env });
    assert.equal((await run.exited).code, 0, run.stderr());
    assert.match(run.stderr(), /stopped after sending 1 reading; queue empty/);
    assert.equal((await records()).length, 1);
  });

  it("--once against a Huawei inverter over Modbus TCP", async (t) => {
    const { env, records } = await hubWithSource(t);
    const inverter = await startModbusServer(t, registerMapFixture("huawei-sun2000-registers.json"));
    const run = spawnPublisher(
      t,
      ["publish", "modbus", "--host", "127.0.0.1", "--port", String(inverter.port), "--unit-id", "1"].concat([
        "--connect-delay-ms",
        "100",
        "--once",
        "--state-dir",
        tempStateDir(t),
      ]),
      { env },
    );
    assert.equal((await run.exited).code, 0, run.stderr());
    const [record] = await records();
    assert.equal(record?.values.find((v) => v.dataTag === "1-0:2.7.0")?.value, 1.83);
  });

  it("--once with a wrong password exits 3 at once with the broker's refusal explained", async (t) => {
    const { env } = await hubWithSource(t);
    const started = Date.now();
    const run = spawnPublisher(t, ["publish", "simulate", "--once", "--state-dir", tempStateDir(t)], {
      env: { ...env, AIIDA_PASSWORD: "wrong" },
    });
    assert.equal((await run.exited).code, 3, run.stderr());
    assert.match(
      run.stderr(),
      /refused the credentials \(CONNACK 4: .*\): check --username.*; giving up \(--once\)$/m,
    );
    assert.doesNotMatch(run.stderr(), /retrying/, "it exits instead");
    assert.match(run.stderr(), /1 reading kept in the queue for the next start/);
    assert.ok(Date.now() - started < 10_000, "no waiting for the flush timeout");
  });

  it("--once with the broker unreachable exits 1 after --flush-timeout and keeps the reading", async (t) => {
    const port = await freePort();
    const run = spawnPublisher(t, [
      "publish",
      "simulate",
      "--once",
      "--flush-timeout",
      "1",
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
    assert.match(
      run.stderr(),
      new RegExp(`cannot reach the broker mqtt://127\\.0\\.0\\.1:${port}: connection refused.*; giving up`),
    );
    assert.match(run.stderr(), /1 reading kept in the queue for the next start/);
  });

  it("options beat the environment, and the environment beats the config file", async (t) => {
    const { creds, env } = await hubWithSource(t);
    const config = join(tempStateDir(t), "publisher.json");
    writeFileSync(
      config,
      JSON.stringify({ broker: creds.brokerUrl, username: creds.id, password: "from-config" }),
    );
    const stateDir = tempStateDir(t);
    const envWins = spawnPublisher(
      t,
      ["publish", "simulate", "--once", "--config", config, "--state-dir", stateDir],
      {
        env: { AIIDA_PASSWORD: env.AIIDA_PASSWORD },
      },
    );
    assert.equal((await envWins.exited).code, 0, envWins.stderr());
    const optionWins = spawnPublisher(
      t,
      [
        "publish",
        "simulate",
        "--once",
        "--config",
        config,
        "--password",
        "from-option",
        "--state-dir",
        stateDir,
      ],
      { env: { AIIDA_PASSWORD: env.AIIDA_PASSWORD } },
    );
    assert.equal((await optionWins.exited).code, 3, optionWins.stderr());
  });

  it("replays JSON lines from stdin with their own timestamps", async (t) => {
    const { env, records } = await hubWithSource(t);
    const input = [
      '{"timestamp":"2025-07-01T07:00:00Z","quantities":{"0":100.5,"2":0.3}}',
      '{"timestamp":"2025-07-01T07:00:03Z","quantities":{"0":100.6,"3":1.2}}',
    ].join("\n");
    const run = spawnPublisher(t, ["publish", "replay", "--state-dir", tempStateDir(t)], { env, input });
    assert.equal((await run.exited).code, 0, run.stderr());
    assert.deepEqual(
      (await records()).map((r) => r.timestamp),
      ["2025-07-01T07:00:03.000Z", "2025-07-01T07:00:00.000Z"],
    );
  });

  it("prints a summary line (sent, failed, queued) every --summary-interval", async (t) => {
    const { env } = await hubWithSource(t);
    const run = spawnPublisher(
      t,
      [
        "publish",
        "simulate",
        "--interval",
        "0.1",
        "--summary-interval",
        "0.5",
        "--state-dir",
        tempStateDir(t),
      ],
      { env },
    );
    await waitFor(
      () => /last 0\.5 s: [1-9]\d* sent, 0 failed, 0 queued/.test(run.stderr()),
      "a summary line",
    );
    run.child.kill("SIGINT");
    assert.equal((await run.exited).code, 0, run.stderr());
    assert.match(run.stderr(), /stopping: sending what can be sent/);
  });

  it("exits 2 for a bad profile file, naming the field", async (t) => {
    const dir = tempStateDir(t);
    const profile = join(dir, "my-meter.json");
    writeFileSync(
      profile,
      JSON.stringify({
        name: "my-meter",
        description: "x",
        source: "rest",
        path: "/",
        fields: [{ pointer: "/p" }],
      }),
    );
    const run = spawnPublisher(
      t,
      ["publish", "rest", "--url", "http://x", "--profile", profile, "-v"].concat([
        "--broker",
        "mqtt://127.0.0.1:1",
        "--username",
        "a",
        "--password",
        "b",
        "--state-dir",
        dir,
      ]),
    );
    assert.equal((await run.exited).code, 2, run.stderr());
    assert.match(run.stderr(), /profile .*my-meter\.json is invalid:[\s\S]*at fields\[0\]\.obis/);
  });

  it("exits 2 for a config file with an unknown key, listing the known ones", async (t) => {
    const config = join(tempStateDir(t), "publisher.json");
    writeFileSync(config, JSON.stringify({ brokerUrl: "mqtt://x" }));
    const run = spawnPublisher(t, ["publish", "simulate", "--config", config]);
    assert.equal((await run.exited).code, 2, run.stderr());
    assert.match(run.stderr(), /unknown key\(s\) brokerUrl; known keys: broker, username, password/);
  });

  it("exits 2 when another publisher already runs for the data source", async (t) => {
    const { env } = await hubWithSource(t);
    const stateDir = tempStateDir(t);
    const first = spawnPublisher(t, ["publish", "simulate", "--state-dir", stateDir], { env });
    await waitFor(() => /connected to/.test(first.stderr()), "the first publisher to run");
    const second = spawnPublisher(t, ["publish", "simulate", "--once", "--state-dir", stateDir], { env });
    assert.equal((await second.exited).code, 2, second.stderr());
    assert.match(second.stderr(), /is in use by another publisher for this data source/);
  });
});

describe("aiida-hub probe-modbus", () => {
  it("finds the unit id that answers and prints the options to use", async (t) => {
    const inverter = await startModbusServer(t, registerMapFixture("huawei-sun2000-registers.json"));
    const run = spawnPublisher(t, [
      "probe-modbus",
      "--host",
      "127.0.0.1",
      "--ports",
      String(inverter.port),
      "--timeout-ms",
      "300",
      "--connect-delay-ms",
      "0",
    ]);
    assert.equal((await run.exited).code, 0, run.stderr());
    assert.match(run.stdout(), /unit id 0 +no answer/);
    assert.match(run.stdout(), /unit id 1 +ANSWERS: register 37101 = 2305/);
    assert.match(
      run.stdout(),
      new RegExp(`use: aiida-hub publish modbus --host 127\\.0\\.0\\.1 --port ${inverter.port} --unit-id 1`),
    );
  });
});
