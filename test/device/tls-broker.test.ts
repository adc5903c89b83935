import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { startMosquitto } from "./helpers/mosquitto.ts";
import { spawnPublisher } from "./helpers/publisher-process.ts";
import { tempStateDir } from "./helpers/run-publisher.ts";
import { makeTestCertificates, type TestCertificates } from "./helpers/test-certificates.ts";
import { startTlsTerminator } from "./helpers/tls-terminator.ts";

const DEVICE = { id: "0b9c4f3e-8a51-4c1e-9a7e-3f2d6c1b5a90", password: "device-secret" };

/**
 * A Mosquitto speaking TLS with a certificate from a CA made for the test: mqtts:// on its own listener,
 * wss:// through a TLS terminator in front of its ws:// listener (Debian's Mosquitto has no TLS for
 * WebSocket listeners).
 */
async function tlsBroker(t: TestContext, websockets = false) {
  const certificates = makeTestCertificates(t);
  const users = { [DEVICE.id]: DEVICE.password };
  if (!websockets) {
    const tls = {
      caFile: certificates.caFile,
      certFile: certificates.certFile,
      keyFile: certificates.keyFile,
    };
    const broker = await startMosquitto(t, users, { tls });
    return { url: broker.url, certificates };
  }
  const broker = await startMosquitto(t, users, { websockets: true });
  const port = await startTlsTerminator(t, certificates, broker.port);
  return { url: `wss://127.0.0.1:${port}`, certificates };
}

/** `publish simulate --once` against a broker, with extra options; resolves with the exit code. */
async function publishOnce(t: TestContext, broker: string, options: readonly string[]) {
  const run = spawnPublisher(
    t,
    ["publish", "simulate", "--once", "--flush-timeout", "1", "--state-dir", tempStateDir(t), ...options],
    { env: { AIIDA_BROKER: broker, AIIDA_USERNAME: DEVICE.id, AIIDA_PASSWORD: DEVICE.password } },
  );
  const { code } = await run.exited;
  return { code, stderr: run.stderr() };
}

describe("a TLS broker and --ca", () => {
  for (const websockets of [false, true]) {
    const scheme = websockets ? "wss" : "mqtts";
    it(`${scheme}://: with --ca the reading is sent; without it the TLS handshake is said to fail, not the password`, async (t) => {
      const broker = await tlsBroker(t, websockets);
      const { certificates } = broker;

      const trusted = await publishOnce(t, broker.url, ["--ca", certificates.caFile]);
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.match(trusted.stderr, /stopped after sending 1 reading; queue empty/);

      const untrusted = await publishOnce(t, broker.url, []);
      assert.equal(untrusted.code, 1, untrusted.stderr);
      assert.match(
        untrusted.stderr,
        new RegExp(
          `the TLS handshake with the broker ${scheme}://127\\.0\\.0\\.1:\\d+ failed: the broker's certificate is not trusted ` +
            // With --flush-timeout 1 the 1 s retry may or may not fit: either is said as it is.
            "\\(.+\\): give the CA that signed the hub's certificate with --ca <file>; (retrying|giving up)",
        ),
      );
      assert.doesNotMatch(untrusted.stderr, /credentials|password/);
    });
  }

  it("a CA that did not sign the broker's certificate is named as the likely mistake", async (t) => {
    const broker = await tlsBroker(t);
    const { certificates } = broker;
    const run = await publishOnce(t, broker.url, ["--ca", certificates.otherCaFile]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /failed: the broker's certificate is not trusted \(.+\): is --ca the CA that signed the hub's certificate\?/,
    );
  });

  it("mqtts:// to a port without TLS asks whether the port speaks TLS", async (t) => {
    const plain = await startMosquitto(t, { [DEVICE.id]: DEVICE.password });
    const run = await publishOnce(t, plain.url.replace("mqtt://", "mqtts://"), []);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /cannot reach the broker mqtts:\/\/127\.0\.0\.1:\d+: the connection was reset before the broker answered \(does that port speak TLS\?\)/,
    );
  });
});

describe("--ca refusals (exit 2, nothing runs)", () => {
  function certificates(t: TestContext): TestCertificates {
    return makeTestCertificates(t);
  }
  const broker = "mqtts://127.0.0.1:8883";

  it("an unreadable file", async (t) => {
    const missing = join(tempStateDir(t), "missing-ca.pem");
    const run = await publishOnce(t, broker, ["--ca", missing]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr, `error: cannot read the CA file ${missing} (--ca): ENOENT\n`);
  });

  it("a file without a PEM certificate", async (t) => {
    const file = join(tempStateDir(t), "key-only.pem");
    writeFileSync(file, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    const run = await publishOnce(t, broker, ["--ca", file]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /the CA file .*key-only\.pem \(--ca\) holds no PEM certificate/);
  });

  it("a certificate block that does not parse", async (t) => {
    const file = join(tempStateDir(t), "broken.pem");
    writeFileSync(file, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
    const run = await publishOnce(t, broker, ["--ca", file]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /certificate 1 in the CA file .*broken\.pem \(--ca\) cannot be read/);
  });

  it("--ca with a broker that does not use TLS", async (t) => {
    const run = await publishOnce(t, "mqtt://127.0.0.1:1883", ["--ca", certificates(t).caFile]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /--ca is for a TLS broker \(mqtts:\/\/ or wss:\/\/\), but --broker is mqtt:\/\/127\.0\.0\.1:1883/,
    );
  });

  it("a --broker that is no MQTT URL", async (t) => {
    const run = await publishOnce(t, "localhost:1883", []);
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /--broker: must be a URL starting with mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\//,
    );
  });
});
