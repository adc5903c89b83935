import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import mqtt from "mqtt";
import WebSocket from "ws";
import { TLS_FILES, TLS_FOLDER } from "../../src/tls/private-ca-credentials.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice, nextMessage, whenClosed } from "../helpers/mqtt-device.ts";

/** A reading stamped a second ago. */
function reading(quantity: number): string {
  return JSON.stringify({
    version: "1.0",
    "dateAndOrTime.dateTime": new Date(Date.now() - 1000).toISOString(),
    Quantity: [{ quantity, type: "2", quality: "AS_PROVIDED" }],
  });
}

const TLS = { tls: "true", mqttsPort: "0", httpsPort: "0" };

describe("MQTT over WebSocket at /mqtt", () => {
  it("stores a message an mqtt.js device sends over ws:// on the HTTP port, and sends it feedback", async (t) => {
    const hub = await startTestHub(t);
    assert.equal(hub.running.wsUrl, `${hub.httpUrl.replace("http:", "ws:")}/mqtt`);
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.running.wsUrl, creds);
    await device.subscribeAsync(creds.topic.replace(/data$/, "feedback"), { qos: 1 });
    const feedback = nextMessage(device, `aiida/${creds.id}/feedback`);
    await device.publishAsync(creds.topic, reading(1.5), { qos: 1 });
    const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
    assert.equal(latest.status, 200);
    assert.equal(latest.body.values[0].value, 1.5);
    // A message with a bad quantity type gets its report back over the same WebSocket.
    await device.publishAsync(
      creds.topic,
      JSON.stringify({ version: "1.0", Quantity: [{ quantity: 1, type: "99" }] }),
      {
        qos: 1,
      },
    );
    assert.match((await feedback).toString(), /99/);
  });

  it("stores a message sent over wss:// on the HTTPS port by a client trusting the hub's CA", async (t) => {
    const hub = await startTestHub(t, { config: TLS });
    const caPem = readFileSync(join(hub.dataDir, TLS_FOLDER, TLS_FILES.caCertificate), "utf8");
    const creds = await hub.createDataSource();
    const wssUrl = hub.running.wssUrl ?? "";
    assert.match(wssUrl, /^wss:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    const device = await connectDevice(t, wssUrl, creds, { ca: caPem });
    await device.publishAsync(creds.topic, reading(2.25), { qos: 1 });
    const latest = await hub.api("GET", `/api/datasources/${creds.id}/records/latest`);
    assert.equal(latest.body.values[0].value, 2.25);
    await assert.rejects(
      mqtt.connectAsync(wssUrl, { username: creds.id, password: creds.password, reconnectPeriod: 0 }),
      /unable to verify the first certificate/,
    );
  });

  it("refuses a WebSocket upgrade on any other path with 404", async (t) => {
    const hub = await startTestHub(t);
    for (const path of ["/", "/api/health", "/mqtt/x", "/MQTT"]) {
      const socket = new WebSocket(`${hub.httpUrl.replace("http:", "ws:")}${path}`, "mqtt");
      const outcome = await new Promise<number | "opened">((resolve) => {
        socket.once("open", () => resolve("opened"));
        socket.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
      });
      assert.equal(outcome, 404, path);
      // Ending a socket that never opened reports an error of its own, which is expected here.
      socket.on("error", () => {});
      socket.terminate();
    }
  });

  it("refuses wrong credentials over WebSocket with CONNACK 4, like over TCP", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    await assert.rejects(
      mqtt.connectAsync(hub.running.wsUrl, { username: creds.id, password: "wrong", reconnectPeriod: 0 }),
      (err: Error & { code?: number }) => err.code === 4,
    );
  });

  // A stop that waits for a connection nobody closes would hang: the timeout makes that a failure.
  it("stops while devices are connected over ws://, wss:// and mqtts://, closing their connections", {
    timeout: 30_000,
  }, async (t) => {
    const hub = await startTestHub(t, { config: TLS });
    const caPem = readFileSync(join(hub.dataDir, TLS_FOLDER, TLS_FILES.caCertificate), "utf8");
    const creds = await hub.createDataSource();
    const urls = [hub.running.wsUrl, hub.running.wssUrl ?? "", hub.running.mqttsUrl ?? ""];
    const devices = await Promise.all(urls.map((url) => connectDevice(t, url, creds, { ca: caPem })));
    const closed = devices.map(whenClosed);
    await hub.stop();
    await Promise.all(closed);
  });
});
