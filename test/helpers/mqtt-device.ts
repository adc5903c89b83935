import type { TestContext } from "node:test";
import mqtt, { type MqttClient } from "mqtt";
import type { DeviceCredentials } from "./hub-harness.ts";

/** Connects a real MQTT client over TCP as a device; closed when the test ends. Rejects on CONNACK refusal. */
export async function connectDevice(
  t: TestContext,
  url: string,
  credentials: Pick<DeviceCredentials, "id" | "password">,
  options: mqtt.IClientOptions = {},
): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    username: credentials.id,
    password: credentials.password,
    clientId: `test-${credentials.id.slice(0, 8)}-${Math.random().toString(16).slice(2, 8)}`,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
  t.after(() => client.endAsync(true));
  return client;
}

/** Resolves with the next message on a topic the client has subscribed to. */
export function nextMessage(client: MqttClient, topic: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const onMessage = (t: string, payload: Buffer) => {
      if (t !== topic) return;
      client.off("message", onMessage);
      resolve(payload);
    };
    client.on("message", onMessage);
  });
}

/** Resolves when the client's connection closes. */
export function whenClosed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once("close", () => resolve()));
}

/** Resolves with 0 when the broker accepts the connection, or the CONNACK refusal code. */
export function connackCodeOf(client: MqttClient): Promise<number> {
  return new Promise((resolve) => {
    client.once("connect", () => resolve(0));
    client.once("error", (err) => resolve((err as Error & { code?: number }).code ?? -1));
  });
}

/** Connects with these credentials and returns the CONNACK refusal's code, or 0 when the broker accepted. */
export async function connackCode(url: string, username: string, password: string): Promise<number> {
  const client = mqtt.connect(url, { username, password, reconnectPeriod: 0, connectTimeout: 5000 });
  try {
    return await connackCodeOf(client);
  } finally {
    client.end(true);
  }
}

/**
 * Publishes a message the hub rejects, at QoS 1, and resolves once the hub has acknowledged it: MQTT 5
 * acknowledges it with 0x99 (payload format invalid), which mqtt.js turns into an error; 3.x with a plain PUBACK.
 */
export async function publishRejected(client: MqttClient, topic: string, payload: string): Promise<void> {
  const refused = await client.publishAsync(topic, payload, { qos: 1 }).then(
    () => undefined,
    (err: Error & { code?: number }) => err,
  );
  if (client.options.protocolVersion === 5) {
    if (refused?.code !== 0x99)
      throw new Error(`expected PUBACK 0x99, got ${refused ? refused.code : "success"}`);
  } else if (refused) {
    throw refused;
  }
}
