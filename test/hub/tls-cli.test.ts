import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { TLS_FILES, TLS_FOLDER } from "../../src/tls/private-ca-credentials.ts";
import { tempDataDir } from "../helpers/hub-harness.ts";
import { spawnHub, spawnHubExpectingFailure } from "../helpers/hub-process.ts";
import { servedCertificate } from "../helpers/tls-client.ts";

const PORTS = ["--http-port", "0", "--mqtt-port", "0", "--mqtts-port", "0", "--https-port", "0"];

describe("aiida-hub start --tls", () => {
  it("takes --tls as a switch and --public-host repeated, and logs the TLS addresses", async (t) => {
    const dataDir = tempDataDir(t);
    const hub = await spawnHub(t, [
      "--data-dir",
      dataDir,
      ...PORTS,
      "--tls",
      "--public-host",
      "hub.example.test",
      "--public-host",
      "10.20.30.40",
    ]);
    const line = hub
      .output()
      .split("\n")
      .find((l) => l.includes('"msg":"aiida-hub is running"'));
    const running = JSON.parse(line ?? "{}") as Record<string, string>;
    assert.match(running.mqtts ?? "", /^mqtts:\/\/127\.0\.0\.1:\d+$/);
    assert.match(running.https ?? "", /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(running.wss ?? "", /^wss:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    assert.match(running.ws ?? "", /^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    const caPem = readFileSync(join(dataDir, TLS_FOLDER, TLS_FILES.caCertificate), "utf8");
    const served = await servedCertificate(Number(new URL(running.mqtts ?? "").port), caPem);
    assert.ok(served.checkHost("hub.example.test"));
    assert.ok(served.checkIP("10.20.30.40"));
  });

  it("stops with one sentence naming the flag when --tls-cert comes without --tls-key", async (t) => {
    const failed = await spawnHubExpectingFailure([
      "--data-dir",
      tempDataDir(t),
      ...PORTS,
      "--tls",
      "--tls-cert",
      "hub.pem",
    ]);
    assert.equal(failed.code, 2);
    assert.match(failed.output, /aiida-hub: --tls-cert needs --tls-key/);
  });
});
