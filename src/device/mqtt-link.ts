import mqtt, { type MqttClient } from "mqtt";
import { describeNetworkError } from "./network-error.ts";
import type { NoticeSink } from "./publisher-notice.ts";

/** How to reach the hub's broker and how patiently to retry. */
export interface MqttLinkSettings {
  readonly brokerUrl: string;
  readonly username: string;
  readonly password: string;
  readonly clientId: string;
  /** Subscribed after each connect to show the hub's reports; undefined = none. */
  readonly feedbackTopic: string | undefined;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly connectTimeoutMs: number;
}

/** Thrown by publish when the connection is down or drops before the broker acknowledged. */
export class LinkDownError extends Error {}

const CONNACK_REFUSALS: Readonly<Record<number, string>> = {
  1: "unacceptable protocol version",
  2: "client id rejected",
  3: "server unavailable",
  4: "bad username or password",
  5: "not authorized",
  134: "bad username or password",
  135: "not authorized",
};
const CREDENTIAL_REFUSALS = new Set([4, 5, 134, 135]);

/** Why a connection attempt failed: the CONNACK refusal code if there was one, and a sentence for the user. */
function explainFailure(
  s: MqttLinkSettings,
  error: Error | undefined,
): { code: number | undefined; credentialsRefused: boolean; message: string } {
  const raw = (error as { code?: unknown } | undefined)?.code;
  const code = typeof raw === "number" ? raw : undefined;
  const refusal = code === undefined ? undefined : CONNACK_REFUSALS[code];
  if (code !== undefined && CREDENTIAL_REFUSALS.has(code)) {
    const message =
      `the broker ${s.brokerUrl} refused the credentials (CONNACK ${code}: ${refusal}): check --username ` +
      `(the data source id, now "${s.username}") and --password (shown once when the data source was created; ` +
      "regenerate it in the hub if it is lost)";
    return { code, credentialsRefused: true, message };
  }
  const message =
    refusal !== undefined
      ? `the broker ${s.brokerUrl} refused the connection (CONNACK ${code}: ${refusal})`
      : `cannot reach the broker ${s.brokerUrl}: ${error ? describeNetworkError(error) : "connection closed"}`;
  return { code, credentialsRefused: false, message };
}

/**
 * One MQTT 3.1.1 connection to the hub, re-established with exponential back-off (a fresh client each
 * time, so mqtt.js never re-sends on its own: the queue decides what is sent). Refused credentials
 * back off straight to the maximum, so a wrong password never becomes a busy loop.
 */
export class MqttLink {
  readonly #settings: MqttLinkSettings;
  readonly #notify: NoticeSink;
  readonly #onChange: () => void;
  #client: MqttClient | undefined;
  #connected = false;
  #stopped = false;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #pending = new Set<(error: Error) => void>();
  #connectionNumber = 0;
  #lastRefusalCode: number | undefined;

  constructor(settings: MqttLinkSettings, notify: NoticeSink, onChange: () => void) {
    this.#settings = settings;
    this.#notify = notify;
    this.#onChange = onChange;
  }

  /** True while a connection is up (CONNACK accepted). */
  get isConnected(): boolean {
    return this.#connected;
  }

  /** Counts successful connects; a change means earlier in-flight publishes were lost with their connection. */
  get connectionNumber(): number {
    return this.#connectionNumber;
  }

  /** Starts connecting; returns at once. */
  start(): void {
    this.#connect();
  }

  #connect(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const s = this.#settings;
    const client = mqtt.connect(s.brokerUrl, {
      clientId: s.clientId,
      username: s.username,
      password: s.password,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: s.connectTimeoutMs,
      resubscribe: false,
    });
    this.#client = client;
    let lastError: Error | undefined;
    let wasConnected = false;
    client.on("error", (error) => {
      lastError = error;
    });
    client.on("connect", () => {
      wasConnected = true;
      this.#connected = true;
      this.#failures = 0;
      this.#lastRefusalCode = undefined;
      this.#connectionNumber++;
      this.#notify({ kind: "connected", broker: s.brokerUrl });
      this.#subscribeFeedback(client);
      this.#onChange();
    });
    client.on("message", (topic, payload) => {
      if (topic === s.feedbackTopic) this.#notify({ kind: "feedback", payload: payload.toString("utf8") });
    });
    client.once("close", () => this.#closed(client, wasConnected, lastError));
  }

  #subscribeFeedback(client: MqttClient): void {
    const topic = this.#settings.feedbackTopic;
    if (topic === undefined) return;
    client.subscribe(topic, { qos: 1 }, (error, granted) => {
      if (error !== null || granted === undefined || granted.some((g) => g.qos === 128)) {
        this.#notify({ kind: "feedback-unavailable", topic });
      }
    });
  }

  #closed(client: MqttClient, wasConnected: boolean, lastError: Error | undefined): void {
    client.removeAllListeners("message");
    client.end(true);
    if (this.#client === client) this.#client = undefined;
    this.#connected = false;
    const lost = new LinkDownError("the connection closed before the broker acknowledged");
    for (const reject of this.#pending) reject(lost);
    this.#pending.clear();
    if (this.#stopped) return;
    const failure = explainFailure(this.#settings, lastError);
    const retryInMs = failure.credentialsRefused
      ? this.#settings.reconnectMaxMs
      : Math.min(this.#settings.reconnectMaxMs, this.#settings.reconnectMinMs * 2 ** this.#failures);
    this.#failures++;
    if (wasConnected) {
      this.#notify({
        kind: "connection-lost",
        message: lastError ? describeNetworkError(lastError) : "closed by the broker",
      });
    } else {
      // One sentence per refusal streak, not one per attempt.
      const repeated = failure.credentialsRefused && this.#lastRefusalCode === failure.code;
      this.#lastRefusalCode = failure.code;
      if (!repeated) {
        this.#notify({
          kind: "connect-failed",
          message: failure.message,
          retryInMs,
          credentialsRefused: failure.credentialsRefused,
        });
      }
    }
    this.#timer = setTimeout(() => this.#connect(), retryInMs);
    this.#onChange();
  }

  /** Publishes with QoS 1; resolves when the broker acknowledged, rejects with LinkDownError if it cannot. */
  publish(topic: string, payload: string): Promise<void> {
    const client = this.#client;
    if (!this.#connected || client === undefined) return Promise.reject(new LinkDownError("not connected"));
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | undefined) => {
        if (settled) return;
        settled = true;
        this.#pending.delete(settle);
        if (error === undefined) resolve();
        else reject(error);
      };
      this.#pending.add(settle);
      client.publish(topic, payload, { qos: 1 }, (error) => settle(error ?? undefined));
    });
  }

  /** Closes the connection (politely if it is up) and stops reconnecting. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined) return;
    await new Promise<void>((resolve) => {
      // A polite end waits for the broker; do not let an unresponsive one hold the shutdown.
      const force = setTimeout(() => client.end(true, {}, () => resolve()), 2000);
      client.end(!this.#connected, {}, () => {
        clearTimeout(force);
        resolve();
      });
    });
    this.#connected = false;
  }
}
