import assert from "node:assert/strict";
import { hostname } from "node:os";
import { describe, test } from "node:test";
import { ConfigError, loadConfig } from "./hub-config.ts";

/** A ConfigError whose message matches and never contains the secret. */
function refusal(expected: RegExp, secret = "s3cret") {
  return (err: unknown) =>
    err instanceof ConfigError && expected.test(err.message) && !err.message.includes(secret);
}

describe("--device-broker", () => {
  test("is off by default", () => {
    const config = loadConfig({}, {});
    assert.equal(config.deviceBroker, undefined);
    assert.equal(config.emqxApi, undefined);
  });

  test("takes the username by flag, the password from its variable only, and a per-host client id by default", () => {
    const config = loadConfig(
      { deviceBrokerUrl: "mqtts://emqx.internal:8883", deviceBrokerUsername: "hub" },
      { AIIDA_HUB_DEVICE_BROKER_PASSWORD: "s3cret" },
    );
    assert.deepEqual(config.deviceBroker, {
      url: "mqtts://emqx.internal:8883",
      username: "hub",
      password: "s3cret",
      clientId: `aiida-hub-${hostname()}`,
    });
    const fromEnv = loadConfig(
      {},
      { AIIDA_HUB_DEVICE_BROKER: "mqtt://emqx:1883", AIIDA_HUB_DEVICE_BROKER_CLIENT_ID: "hub-2" },
    );
    assert.equal(fromEnv.deviceBroker?.clientId, "hub-2");
    assert.equal(fromEnv.deviceBroker?.password, undefined);
  });

  test("refuses a password in the URL, a bad scheme or client id, and its options without it", () => {
    const cases: [Record<string, string>, Record<string, string>, RegExp][] = [
      [{ deviceBrokerUrl: "mqtt://hub:s3cret@emqx:1883" }, {}, /must not contain a password.*PASSWORD/],
      [{ deviceBrokerUrl: "http://emqx:1883" }, {}, /--device-broker must use mqtt:\/\//],
      [
        { deviceBrokerUrl: "mqtt://emqx", deviceBrokerClientId: "two words" },
        {},
        /--device-broker-client-id/,
      ],
      [{ deviceBrokerUsername: "hub" }, {}, /take effect only with --device-broker/],
      [
        { deviceBrokerUrl: "mqtt://emqx" },
        { AIIDA_HUB_DEVICE_BROKER_PASSWORD: "s3cret" },
        /needs --device-broker-username/,
      ],
    ];
    for (const [flags, env, expected] of cases) {
      assert.throws(() => loadConfig(flags, env), refusal(expected), JSON.stringify(flags));
    }
  });
});

describe("--emqx-api", () => {
  test("takes key and secret from their variables", () => {
    const config = loadConfig(
      { emqxApiUrl: "http://emqx:18083" },
      { AIIDA_HUB_EMQX_API_KEY: "key", AIIDA_HUB_EMQX_API_SECRET: "s3cret" },
    );
    assert.deepEqual(config.emqxApi, { baseUrl: "http://emqx:18083", apiKey: "key", apiSecret: "s3cret" });
  });

  test("refuses to start without key or secret, with credentials in the URL, or with another scheme", () => {
    assert.throws(
      () => loadConfig({ emqxApiUrl: "http://emqx:18083" }, { AIIDA_HUB_EMQX_API_KEY: "key" }),
      refusal(/AIIDA_HUB_EMQX_API_SECRET/),
    );
    assert.throws(
      () => loadConfig({ emqxApiUrl: "http://key:s3cret@emqx:18083" }, {}),
      refusal(/must not contain credentials/),
    );
    assert.throws(
      () => loadConfig({ emqxApiUrl: "mqtt://emqx:1883" }, {}),
      refusal(/http:\/\/ or https:\/\//),
    );
  });
});
