import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigurationError } from "../../src/device/configuration-error.ts";
import { runPublish } from "../../src/device/publish-command.ts";
import { PUBLISH_DEFAULTS, parsePublishOptions, readConfigFile } from "../../src/device/publish-options.ts";
import type { SourceKind } from "../../src/device/source-registry.ts";
import { tempStateDir } from "./helpers/run-publisher.ts";

const silent = { out: { write: () => true }, err: { write: () => true } };

/** A broker nothing listens on: every case here is refused before it would connect. */
const BROKER = "mqtt://127.0.0.1:1";

async function refusal(kind: SourceKind, values: Record<string, unknown>): Promise<string> {
  try {
    await runPublish(
      kind,
      parsePublishOptions({ ...PUBLISH_DEFAULTS, broker: BROKER, ...values }),
      silent,
      AbortSignal.abort(),
    );
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, String(error));
    return error.message;
  }
  assert.fail("expected a configuration error");
}

describe("publish options", () => {
  const cases: Array<{ name: string; kind: SourceKind; values: Record<string, unknown>; message: RegExp }> = [
    {
      name: "a missing broker (there is no default: it could be someone else's broker)",
      kind: "simulate",
      values: { broker: undefined, username: "a", password: "b" },
      message:
        /^--broker is required: the hub's MQTT URL, e\.g\. mqtt:\/\/hub\.local:1883, as the hub shows it in a data source's credentials \("Broker URL"\) and in its start-up log \("mqtt"\) \(or set AIIDA_BROKER, or "broker" in --config\)$/,
    },
    {
      name: "a missing username",
      kind: "simulate",
      values: { password: "x" },
      message:
        /--username is required: the data source id from the hub \(or set AIIDA_USERNAME, or "username" in --config\)/,
    },
    {
      name: "a missing password",
      kind: "simulate",
      values: { username: "x" },
      message: /--password is required/,
    },
    {
      name: "a rest source without --url",
      kind: "rest",
      values: { username: "a", password: "b" },
      message: /--url is required/,
    },
    {
      name: "a modbus source without --host",
      kind: "modbus",
      values: { username: "a", password: "b" },
      message: /--host is required, e\.g\. --host 192\.168\.1\.10/,
    },
    {
      name: "a Modbus profile for a rest source",
      kind: "rest",
      values: { username: "a", password: "b", url: "http://x", profile: "huawei-sun2000" },
      message: /profile huawei-sun2000 is for modbus, not rest/,
    },
    {
      name: "a --url that is not http",
      kind: "rest",
      values: { username: "a", password: "b", url: "ftp://meter" },
      message: /only http:\/\/ and https:\/\/ are supported/,
    },
    {
      name: "the generic profile without --map",
      kind: "rest",
      values: { username: "a", password: "b", url: "http://x", profile: "generic-rest" },
      message: /profile generic-rest maps no values: add --map/,
    },
    {
      name: "--coding-scheme without --mrid",
      kind: "simulate",
      values: { username: "a", password: "b", codingScheme: "NAT" },
      message: /--coding-scheme needs --mrid/,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} before anything runs`, async (t) => {
      // A state directory still to be made: a refused start must not make it.
      const stateDir = join(tempStateDir(t), "state");
      assert.match(await refusal(c.kind, { stateDir, ...c.values }), c.message);
      assert.equal(existsSync(stateDir), false, "nothing was created");
    });
  }

  it("names each invalid option as the user types it", () => {
    assert.throws(
      () => parsePublishOptions({ ...PUBLISH_DEFAULTS, interval: "soon", queueLimit: "0", unitId: "300" }),
      (error: Error) =>
        error instanceof ConfigurationError &&
        /--interval: /.test(error.message) &&
        /--queue-limit: /.test(error.message) &&
        /--unit-id: /.test(error.message),
    );
  });

  it("reads numbers given as text (command line) or as numbers (config file)", () => {
    const options = parsePublishOptions({ ...PUBLISH_DEFAULTS, interval: "0.5", port: 6607, unitId: "0" });
    assert.equal(options.interval, 0.5);
    assert.equal(options.port, 6607);
    assert.equal(options.unitId, 0);
  });

  it("refuses a config file that is not a JSON object", (t) => {
    const file = join(tempStateDir(t), "c.json");
    writeFileSync(file, "[1]");
    assert.throws(() => readConfigFile(file), /must hold a JSON object of option names and values/);
    assert.throws(
      () => readConfigFile(join(tempStateDir(t), "missing.json")),
      /cannot read the config file .*ENOENT/,
    );
  });
});
