import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startMqtt5TestServer } from "./helpers/mqtt5-test-server.ts";
import { spawnPublisher } from "./helpers/publisher-process.ts";
import { tempStateDir } from "./helpers/run-publisher.ts";

const DEVICE = { id: "5eef407d-d14f-49d4-b61a-769a20caa540", password: "device-secret" };

describe("the publisher over MQTT 5: a refused CONNECT shows the hub's reason string", () => {
  const cases = [
    {
      code: 0x86,
      reason: "no data source with this id and password",
      exit: 3,
      said: /the broker mqtt:\/\/127\.0\.0\.1:\d+ refused the credentials \(CONNACK 0x86: bad username or password\): the broker says "no data source with this id and password": check --username \(the data source id, now "5eef407d-d14f-49d4-b61a-769a20caa540"\) and --password/,
    },
    {
      code: 0x87,
      reason: "the data source is disabled",
      exit: 3,
      said: /refused the connection \(CONNACK 0x87: not authorized\): the broker says "the data source is disabled"; giving up \(--once\)$/m,
    },
    {
      code: 0x85,
      reason: "client id aiida-pub-x belongs to another data source",
      exit: 1,
      said: /refused the connection \(CONNACK 0x85: client id not valid\): the broker says "client id aiida-pub-x belongs to another data source"; retrying in 1 s$/m,
    },
    {
      code: 0x95,
      reason: "CONNECT larger than 4096 bytes",
      exit: 1,
      said: /refused the connection \(CONNACK 0x95: packet too large\): the broker says "CONNECT larger than 4096 bytes"; retrying in 1 s$/m,
    },
  ];
  for (const c of cases) {
    it(`CONNACK 0x${c.code.toString(16)}: prints the reason string and exits ${c.exit}`, async (t) => {
      const server = await startMqtt5TestServer(t, {
        connack: () => ({ reasonCode: c.code, reasonString: c.reason }),
      });
      const run = spawnPublisher(
        t,
        // 3 s: the first retry (in 1 s) fits, so it is announced as one; a later one would not fit.
        ["publish", "simulate", "--once", "--mqtt-version", "5", "--flush-timeout", "3"].concat([
          "--state-dir",
          tempStateDir(t),
        ]),
        { env: { AIIDA_BROKER: server.url, AIIDA_USERNAME: DEVICE.id, AIIDA_PASSWORD: DEVICE.password } },
      );
      assert.equal((await run.exited).code, c.exit, run.stderr());
      assert.match(run.stderr(), c.said);
      if (c.code === 0x87)
        assert.doesNotMatch(run.stderr(), /check --username/, "the hub said why: no guessing");
    });
  }

  it("quotes a reason string so that it cannot start a line of its own", async (t) => {
    const server = await startMqtt5TestServer(t, {
      connack: () => ({
        reasonCode: 0x87,
        reasonString: 'disabled\n2025-01-01T00:00:00.000Z connected to "x"',
      }),
    });
    const run = spawnPublisher(
      t,
      ["publish", "simulate", "--once", "--mqtt-version", "5", "--state-dir", tempStateDir(t)],
      { env: { AIIDA_BROKER: server.url, AIIDA_USERNAME: DEVICE.id, AIIDA_PASSWORD: DEVICE.password } },
    );
    assert.equal((await run.exited).code, 3, run.stderr());
    assert.match(run.stderr(), /the broker says "disabled\\n2025-01-01T00:00:00.000Z connected to \\"x\\""/);
    assert.doesNotMatch(run.stderr(), /^2025-01-01/m);
  });
});
