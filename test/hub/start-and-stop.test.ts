import assert from "node:assert/strict";
import { once } from "node:events";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import mqtt from "mqtt";
import { tempDataDir } from "../helpers/hub-harness.ts";
import { createSourceOver, spawnHub, spawnHubExpectingFailure } from "../helpers/hub-process.ts";
import { whenClosed } from "../helpers/mqtt-device.ts";

describe("aiida-hub start", () => {
  for (const [flag, other, label] of [
    ["--mqtt-port", "--http-port", "MQTT"],
    ["--http-port", "--mqtt-port", "HTTP"],
  ] as const) {
    it(`stops with one sentence naming ${flag} when the ${label} port is taken`, async (t) => {
      const blocker = createServer().listen(0, "127.0.0.1");
      await once(blocker, "listening");
      t.after(() => blocker.close());
      const port = (blocker.address() as { port: number }).port;
      const dataDir = join(tempDataDir(t), "new");
      const result = await spawnHubExpectingFailure(["--data-dir", dataDir, other, "0", flag, String(port)]);
      assert.equal(result.code, 2);
      const sentence = `${label} port ${port} on 127.0.0.1 is already in use; choose another with ${flag}, e.g. npm start -- ${flag} ${port + 1}.`;
      assert.ok(result.output.includes(sentence), result.output);
      // The refused start leaves nothing behind: no half-made database, key file or directory.
      assert.equal(existsSync(dataDir), false, `${dataDir} was left behind`);
    });
  }

  it("a refused start keeps what the data directory held before and removes only what it made", async (t) => {
    const blocker = createServer().listen(0, "127.0.0.1");
    await once(blocker, "listening");
    t.after(() => blocker.close());
    const port = (blocker.address() as { port: number }).port;
    const dataDir = tempDataDir(t);
    writeFileSync(join(dataDir, "notes.txt"), "mine");
    const result = await spawnHubExpectingFailure([
      "--data-dir",
      dataDir,
      "--http-port",
      "0",
      "--mqtt-port",
      String(port),
    ]);
    assert.equal(result.code, 2);
    assert.deepEqual(readdirSync(dataDir), ["notes.txt"]);
  });

  it("stops with one sentence naming --data-dir when the data directory cannot be written", async (t) => {
    const file = join(tempDataDir(t), "a-file");
    writeFileSync(file, "");
    const result = await spawnHubExpectingFailure([
      "--data-dir",
      join(file, "data"),
      "--http-port",
      "0",
      "--mqtt-port",
      "0",
    ]);
    assert.equal(result.code, 2);
    assert.match(
      result.output,
      /The data directory .* is not writable \(ENOTDIR\); choose another with --data-dir\./,
    );
  });

  for (const [flag, value, expected] of [
    ["--http-port", "eighty", /--http-port must be a whole number from 0 to 65535, got "eighty"\./],
    ["--mqtt-port", "70000", /--mqtt-port must be a whole number from 0 to 65535, got "70000"\./],
    ["--public-mqtt-url", "hub.local", /--public-mqtt-url must be a URL such as mqtt:\/\/hub\.local:1883/],
  ] as const) {
    it(`refuses ${flag} ${value} with a sentence naming the flag`, async (t) => {
      const result = await spawnHubExpectingFailure(["--data-dir", tempDataDir(t), flag, value]);
      assert.equal(result.code, 2);
      assert.match(result.output, expected);
    });
  }

  it("takes settings from environment variables", async (t) => {
    const result = await spawnHubExpectingFailure(["--data-dir", tempDataDir(t)], {
      AIIDA_HUB_HTTP_PORT: "-1",
    });
    assert.equal(result.code, 2);
    assert.match(result.output, /--http-port must be a whole number/);
  });

  it("prints a generated admin password once on first start, and it works", async (t) => {
    const dataDir = tempDataDir(t);
    const hub = await spawnHub(t, ["--data-dir", dataDir, "--http-port", "0", "--mqtt-port", "0"], {
      AIIDA_HUB_ADMIN_PASSWORD: "",
    });
    const match = /Username: admin {2}Password: (\S+)/.exec(hub.output());
    assert.ok(match?.[1], `a generated password is printed:\n${hub.output()}`);
    const login = await fetch(`${hub.httpUrl}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: match[1] }),
    });
    assert.equal(login.status, 200);
    hub.child.kill("SIGTERM");
    await once(hub.child, "exit");
    const again = await spawnHub(t, ["--data-dir", dataDir, "--http-port", "0", "--mqtt-port", "0"], {
      AIIDA_HUB_ADMIN_PASSWORD: "",
    });
    assert.doesNotMatch(again.output(), /Password:/);
    assert.ok(!again.output().includes(match[1]), "the password is never printed again");
  });

  it("creates the admin account only when the start succeeds, so a retry still shows the password", async (t) => {
    const blocker = createServer().listen(0, "127.0.0.1");
    await once(blocker, "listening");
    t.after(() => blocker.close());
    const taken = String((blocker.address() as { port: number }).port);
    const dataDir = tempDataDir(t);
    const failed = await spawnHubExpectingFailure(
      ["--data-dir", dataDir, "--http-port", "0", "--mqtt-port", taken],
      { AIIDA_HUB_ADMIN_PASSWORD: "" },
    );
    assert.equal(failed.code, 2);
    assert.doesNotMatch(failed.output, /Password:/);
    const retry = await spawnHub(t, ["--data-dir", dataDir, "--http-port", "0", "--mqtt-port", "0"], {
      AIIDA_HUB_ADMIN_PASSWORD: "",
    });
    assert.match(retry.output(), /Username: admin {2}Password: \S+/);
  });

  it("shuts down cleanly on SIGTERM with exit code 0, closing open MQTT connections", async (t) => {
    const hub = await spawnHub(t, ["--data-dir", tempDataDir(t), "--http-port", "0", "--mqtt-port", "0"]);
    const creds = await createSourceOver(hub.httpUrl);
    const client = await mqtt.connectAsync(hub.mqttUrl, {
      username: creds.id,
      password: creds.password,
      reconnectPeriod: 0,
    });
    t.after(() => client.end(true));
    const closed = whenClosed(client);
    hub.child.kill("SIGTERM");
    await closed;
    const [code] = (await once(hub.child, "exit")) as [number | null];
    assert.equal(code, 0);
    assert.match(
      hub.output(),
      /^\{"level":"info","time":"[^"]+","signal":"SIGTERM","msg":"shutting down"\}$/m,
    );
  });
});
