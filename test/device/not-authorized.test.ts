import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startTestHub } from "../helpers/hub-harness.ts";
import { startMosquitto } from "./helpers/mosquitto.ts";
import { spawnPublisher } from "./helpers/publisher-process.ts";
import { tempStateDir } from "./helpers/run-publisher.ts";

/** What the publisher says for a reason-less "not authorized" (MQTT 3.1.1 CONNACK 5). */
const NOT_AUTHORIZED =
  /refused the connection \(CONNACK 5: not authorized\): the data source is disabled, or the password is wrong: check in the hub that the data source "([^"]+)" \(--username\) is enabled, and that --password is its current password; giving up \(--once\)/;

describe("CONNACK 5 (not authorized) under MQTT 3.1.1: disabled, or a wrong password, never 'regenerate'", () => {
  it("the hub's answer for a disabled data source with the right password", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const disabled = await hub.api("PATCH", `/api/datasources/${creds.id}`, { enabled: false });
    assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
    const run = spawnPublisher(t, ["publish", "simulate", "--once", "--state-dir", tempStateDir(t)], {
      env: { AIIDA_BROKER: creds.brokerUrl, AIIDA_USERNAME: creds.id, AIIDA_PASSWORD: creds.password },
    });
    assert.equal((await run.exited).code, 3, run.stderr());
    assert.equal(run.stderr().match(NOT_AUTHORIZED)?.[1], creds.id, run.stderr());
    assert.doesNotMatch(run.stderr(), /regenerate/, "a new password would not enable the data source");
    assert.doesNotMatch(run.stderr(), /retrying/, "--once does not retry");
  });

  it("Mosquitto's answer for a wrong password says the same", async (t) => {
    const broker = await startMosquitto(t, { "ds-1": "right-password" });
    const run = spawnPublisher(t, ["publish", "simulate", "--once", "--state-dir", tempStateDir(t)], {
      env: { AIIDA_BROKER: broker.url, AIIDA_USERNAME: "ds-1", AIIDA_PASSWORD: "wrong-password" },
    });
    assert.equal((await run.exited).code, 3, run.stderr());
    assert.equal(run.stderr().match(NOT_AUTHORIZED)?.[1], "ds-1", run.stderr());
  });

  it("the hub's CONNACK 4 for a wrong password keeps the credentials advice", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const run = spawnPublisher(t, ["publish", "simulate", "--once", "--state-dir", tempStateDir(t)], {
      env: { AIIDA_BROKER: creds.brokerUrl, AIIDA_USERNAME: creds.id, AIIDA_PASSWORD: "wrong" },
    });
    assert.equal((await run.exited).code, 3, run.stderr());
    assert.match(
      run.stderr(),
      /refused the credentials \(CONNACK 4: bad username or password\): check --username \(the data source id, now "[^"]+"\) and --password \(shown once when the data source was created; regenerate it in the hub if it is lost\); giving up \(--once\)/,
    );
  });
});
