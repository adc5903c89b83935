import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import mqtt from "mqtt";
import { ConfigError } from "../../src/config/hub-config.ts";
import { createHub } from "../../src/hub.ts";
import { silentLogger } from "../../src/platform/logger.ts";
import {
  createCertificateAuthority,
  issueServerCertificate,
  namesOfCertificate,
} from "../../src/tls/private-ca.ts";
import { TLS_FILES, TLS_FOLDER } from "../../src/tls/private-ca-credentials.ts";
import { fixture } from "../helpers/fixtures.ts";
import { capturingLogger, startTestHub, tempDataDir, testConfig } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { handshakeError, httpsRequest, servedCertificate } from "../helpers/tls-client.ts";

const DAY_MS = 86_400_000;

/** A reading stamped a second ago, so each test finds its own record. */
function reading(quantity: number): string {
  return JSON.stringify({
    version: "1.0",
    "dateAndOrTime.dateTime": new Date(Date.now() - 1000).toISOString(),
    Quantity: [{ quantity, type: "2", quality: "AS_PROVIDED" }],
  });
}

function tlsConfig(extra: Record<string, string> = {}): Record<string, string> {
  return { tls: "true", mqttsPort: "0", httpsPort: "0", ...extra };
}

describe("TLS with the hub's private CA", () => {
  it("issues a certificate for loopback and every --public-host, kept in the data directory with private keys 0600", async (t) => {
    const hub = await startTestHub(t, {
      config: tlsConfig({ publicHosts: "hub.example.test,192.168.77.5" }),
    });
    const tlsDir = join(hub.dataDir, TLS_FOLDER);
    const caPem = readFileSync(join(tlsDir, TLS_FILES.caCertificate), "utf8");
    const served = await servedCertificate(hub.running.mqttsPort ?? 0, caPem);
    assert.deepEqual(namesOfCertificate(served.toString()).sort(), [
      "127.0.0.1",
      "192.168.77.5",
      "::1",
      "hub.example.test",
      "localhost",
    ]);
    assert.ok(served.checkHost("hub.example.test"), "the DNS name is a subject alternative name");
    assert.ok(served.checkIP("192.168.77.5"), "the IP address is a subject alternative name");
    assert.ok(Date.parse(served.validTo) - Date.now() > 390 * DAY_MS, "valid for about 397 days");
    assert.ok(served.verify(new X509Certificate(caPem).publicKey), "signed by the CA in the data directory");
    for (const key of [TLS_FILES.caKey, TLS_FILES.serverKey]) {
      assert.equal(statSync(join(tlsDir, key)).mode & 0o777, 0o600, `${key} is readable by the hub alone`);
    }
    const https = await servedCertificate(hub.running.httpsPort ?? 0, caPem);
    assert.equal(https.fingerprint256, served.fingerprint256, "HTTPS serves the same certificate");
  });

  it("serves the CA certificate as PEM that verifies the served certificate, without a login", async (t) => {
    const hub = await startTestHub(t, { config: tlsConfig() });
    const res = await fetch(`${hub.httpUrl}/api/tls/ca-certificate`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-pem-file");
    assert.match(res.headers.get("content-disposition") ?? "", /filename="aiida-hub-ca.pem"/);
    const pem = await res.text();
    assert.match(pem, /^-----BEGIN CERTIFICATE-----/);
    const ca = new X509Certificate(pem);
    assert.ok(ca.ca, "it is a CA certificate");
    const served = await servedCertificate(hub.running.mqttsPort ?? 0, pem);
    assert.ok(served.verify(ca.publicKey));
    const overHttps = await httpsRequest(`${hub.running.httpsUrl}/api/tls/ca-certificate`, pem);
    assert.equal(overHttps.body, pem);
  });

  it("stores a message an mqtt.js device sends over MQTTS trusting the CA, and hands out an mqtts:// broker URL", async (t) => {
    const hub = await startTestHub(t, { config: tlsConfig() });
    const caPem = await (await fetch(`${hub.httpUrl}/api/tls/ca-certificate`)).text();
    const creds = await hub.createDataSource();
    assert.equal(creds.brokerUrl, hub.running.mqttsUrl);
    assert.match(creds.brokerUrl, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const device = await connectDevice(t, creds.brokerUrl, creds, { ca: caPem });
    await device.publishAsync(creds.topic, JSON.stringify(fixture("cim/dotted.json")), { qos: 1 });
    const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
    assert.equal(latest.status, 200);
    assert.equal(latest.body.timestamp, "2025-07-01T07:43:59.073Z");
  });

  it("refuses a client that does not trust the CA: the TLS handshake fails and nothing is stored", async (t) => {
    const hub = await startTestHub(t, { config: tlsConfig() });
    const creds = await hub.createDataSource();
    // The hub sends its certificate alone: a client without the CA cannot find the issuer.
    const error = await handshakeError(hub.running.mqttsPort ?? 0);
    assert.equal(error.code, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    const otherCa = await createCertificateAuthority(new Date());
    const wrongCa = await handshakeError(hub.running.mqttsPort ?? 0, otherCa.certificatePem);
    assert.equal(wrongCa.code, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    await assert.rejects(
      mqtt.connectAsync(creds.brokerUrl, {
        username: creds.id,
        password: creds.password,
        reconnectPeriod: 0,
        connectTimeout: 5000,
      }),
      (err: NodeJS.ErrnoException) => err.code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    );
    const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
    assert.equal(latest.status, 404);
  });

  it("accepts a message from Debian's mosquitto_pub with --cafile", async (t) => {
    const hub = await startTestHub(t, { config: tlsConfig() });
    const caFile = join(hub.dataDir, TLS_FOLDER, TLS_FILES.caCertificate);
    const creds = await hub.createDataSource();
    const url = new URL(creds.brokerUrl);
    // Async: the hub runs in this process, so a synchronous child would block it.
    await promisify(execFile)(
      "mosquitto_pub",
      ["--cafile", caFile, "-h", url.hostname, "-p", url.port, "-u", creds.id, "-P", creds.password].concat([
        "-t",
        creds.topic,
        "-q",
        "1",
        "-m",
        reading(2.5),
      ]),
      { timeout: 10_000 },
    );
    const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
    assert.equal(latest.status, 200);
    assert.equal(latest.body.values[0].value, 2.5);
  });

  it("answers the API over HTTPS, and sets the session cookie Secure there only", async (t) => {
    const hub = await startTestHub(t, { config: tlsConfig() });
    const caPem = readFileSync(join(hub.dataDir, TLS_FOLDER, TLS_FILES.caCertificate), "utf8");
    const health = await httpsRequest(`${hub.running.httpsUrl}/api/health`, caPem);
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).status, "UP");
    const login = await httpsRequest(`${hub.running.httpsUrl}/api/auth/login`, caPem, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "test-admin-password" }),
    });
    assert.equal(login.status, 200);
    const cookie = String(login.headers["set-cookie"]);
    assert.match(cookie, /; Secure/);
    const session = cookie.split(";")[0] ?? "";
    const me = await httpsRequest(`${hub.running.httpsUrl}/api/auth/me`, caPem, {
      headers: { cookie: session },
    });
    assert.equal(JSON.parse(me.body).username, "admin");
    const overHttp = await hub.api(
      "POST",
      "/api/auth/login",
      { username: "admin", password: "test-admin-password" },
      null,
    );
    assert.doesNotMatch(String(overHttp.headers.get("set-cookie")), /Secure/);
    const ui = await httpsRequest(`${hub.running.httpsUrl}/`, caPem);
    assert.equal(ui.status, 200);
    assert.match(ui.body, /<html/i);
  });

  it("keeps the CA and issues a new server certificate when the --public-host names change", async (t) => {
    const dataDir = tempDataDir(t);
    const first = createHub(
      testConfig(dataDir, tlsConfig({ publicHosts: "old.example.test" })),
      silentLogger,
    );
    await first.start();
    await first.stop();
    const caPem = readFileSync(join(dataDir, TLS_FOLDER, TLS_FILES.caCertificate), "utf8");
    const hub = await startTestHub(t, { dataDir, config: tlsConfig({ publicHosts: "new.example.test" }) });
    const served = await servedCertificate(hub.running.mqttsPort ?? 0, caPem);
    assert.ok(served.checkHost("new.example.test"));
    assert.equal(served.checkHost("old.example.test"), undefined);
    assert.equal(readFileSync(join(dataDir, TLS_FOLDER, TLS_FILES.caCertificate), "utf8"), caPem);
  });

  it("renews a server certificate with fewer than 30 days left at start", async (t) => {
    const dataDir = tempDataDir(t);
    const first = createHub(testConfig(dataDir, tlsConfig()), silentLogger);
    await first.start();
    await first.stop();
    const shortLived = await writeShortLivedServerCertificate(dataDir, 5);
    const hub = await startTestHub(t, { dataDir, config: tlsConfig() });
    const caPem = readFileSync(join(dataDir, TLS_FOLDER, TLS_FILES.caCertificate), "utf8");
    const served = await servedCertificate(hub.running.mqttsPort ?? 0, caPem);
    assert.notEqual(served.fingerprint256, shortLived.fingerprint256);
    assert.ok(Date.parse(served.validTo) - Date.now() > 390 * DAY_MS, `valid until ${served.validTo}`);
  });

  it("renews at the daily check while running, and new MQTTS and HTTPS connections get the new certificate", async (t) => {
    const hub = await startTestHub(t, { config: tlsConfig() });
    const caPem = readFileSync(join(hub.dataDir, TLS_FOLDER, TLS_FILES.caCertificate), "utf8");
    const before = await servedCertificate(hub.running.mqttsPort ?? 0, caPem);
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, creds.brokerUrl, creds, { ca: caPem });
    await writeShortLivedServerCertificate(hub.dataDir, 3);
    await hub.hub.internals.checkCertificates();
    const renewed = readFileSync(join(hub.dataDir, TLS_FOLDER, TLS_FILES.serverCertificate), "utf8");
    const fileCertificate = new X509Certificate(renewed);
    assert.ok(Date.parse(fileCertificate.validTo) - Date.now() > 390 * DAY_MS, "the file was renewed");
    const mqtts = await servedCertificate(hub.running.mqttsPort ?? 0, caPem);
    const https = await servedCertificate(hub.running.httpsPort ?? 0, caPem);
    assert.notEqual(mqtts.fingerprint256, before.fingerprint256);
    assert.equal(mqtts.fingerprint256, fileCertificate.fingerprint256);
    assert.equal(https.fingerprint256, fileCertificate.fingerprint256);
    await device.publishAsync(creds.topic, reading(1), { qos: 1 });
    assert.equal((await hub.api("GET", `/api/datasources/${creds.id}/records/latest`)).status, 200);
  });

  it("warns when the plain listeners are reachable beyond this computer while TLS is on", async (t) => {
    const logger = capturingLogger();
    await startTestHub(t, { logger, config: tlsConfig({ host: "0.0.0.0" }) });
    const warning = logger.events.find((e) => e.level === "warn" && /TLS is on/.test(e.message));
    assert.ok(warning, "the warning is logged");
    assert.equal(warning.fields?.host, "0.0.0.0");
    const quiet = capturingLogger();
    await startTestHub(t, { logger: quiet, config: tlsConfig() });
    assert.equal(quiet.events.filter((e) => /TLS is on/.test(e.message)).length, 0, "not on loopback");
  });
});

describe("TLS with own certificate files", () => {
  it("serves --tls-cert and --tls-key, and has no CA certificate to hand out", async (t) => {
    const dir = tempDataDir(t);
    const ca = await createCertificateAuthority(new Date());
    const own = await issueServerCertificate(ca, ["localhost", "127.0.0.1"], new Date());
    writeFileSync(join(dir, "own.pem"), own.certificatePem);
    writeFileSync(join(dir, "own-key.pem"), own.keyPem);
    const hub = await startTestHub(t, {
      config: tlsConfig({ tlsCert: join(dir, "own.pem"), tlsKey: join(dir, "own-key.pem") }),
    });
    const served = await servedCertificate(hub.running.mqttsPort ?? 0, ca.certificatePem);
    assert.equal(served.fingerprint256, new X509Certificate(own.certificatePem).fingerprint256);
    const download = await hub.api("GET", "/api/tls/ca-certificate", undefined, null);
    assert.equal(download.status, 404);
    assert.match(download.body.error.message, /its own certificate \(--tls-cert\)/);
    const health = await httpsRequest(`${hub.running.httpsUrl}/api/health`, ca.certificatePem);
    assert.equal(health.status, 200);
  });

  it("refuses to start with a key that is not the certificate's, or a file it cannot read, naming the flag", async (t) => {
    const dir = tempDataDir(t);
    const ca = await createCertificateAuthority(new Date());
    const one = await issueServerCertificate(ca, ["localhost"], new Date());
    const other = await issueServerCertificate(ca, ["localhost"], new Date());
    writeFileSync(join(dir, "one.pem"), one.certificatePem);
    writeFileSync(join(dir, "other-key.pem"), other.keyPem);
    const mismatched = createHub(
      testConfig(
        tempDataDir(t),
        tlsConfig({ tlsCert: join(dir, "one.pem"), tlsKey: join(dir, "other-key.pem") }),
      ),
      silentLogger,
    );
    await assert.rejects(
      mismatched.start(),
      (err: unknown) =>
        err instanceof ConfigError &&
        /--tls-key .*other-key\.pem is not the key of the certificate/.test(err.message),
    );
    await mismatched.stop();
    const missing = createHub(
      testConfig(
        tempDataDir(t),
        tlsConfig({ tlsCert: join(dir, "absent.pem"), tlsKey: join(dir, "other-key.pem") }),
      ),
      silentLogger,
    );
    await assert.rejects(
      missing.start(),
      (err: unknown) =>
        err instanceof ConfigError &&
        /absent\.pem \(--tls-cert\) cannot be read \(ENOENT\)/.test(err.message),
    );
    await missing.stop();
  });
});

describe("without --tls", () => {
  it("has no CA certificate and no TLS listeners", async (t) => {
    const hub = await startTestHub(t);
    const res = await hub.api("GET", "/api/tls/ca-certificate", undefined, null);
    assert.equal(res.status, 404);
    assert.match(res.body.error.message, /TLS is off/);
    assert.equal(hub.running.mqttsUrl, undefined);
    assert.equal(hub.running.httpsUrl, undefined);
  });
});

/** Replaces the hub's server certificate with one from its own CA that expires in `days`. */
async function writeShortLivedServerCertificate(dataDir: string, days: number): Promise<X509Certificate> {
  const tlsDir = join(dataDir, TLS_FOLDER);
  const ca = {
    certificatePem: readFileSync(join(tlsDir, TLS_FILES.caCertificate), "utf8"),
    keyPem: readFileSync(join(tlsDir, TLS_FILES.caKey), "utf8"),
  };
  const names = ["localhost", "127.0.0.1", "::1"];
  const server = await issueServerCertificate(ca, names, new Date(), days);
  writeFileSync(join(tlsDir, TLS_FILES.serverCertificate), server.certificatePem);
  writeFileSync(join(tlsDir, TLS_FILES.serverKey), server.keyPem, { mode: 0o600 });
  return new X509Certificate(server.certificatePem);
}
