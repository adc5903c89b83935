import mqtt, { type IDisconnectPacket, type MqttClient, type Packet } from "mqtt";
import { explainConnectFailure } from "./connect-failure.ts";
import { type MqttVersion, protocolOptions } from "./mqtt-version.ts";
import { describeNetworkError } from "./network-error.ts";
import type { NoticeSink } from "./publisher-notice.ts";
import { describeReasonCode } from "./reason-code.ts";

/** How to reach the hub's broker and how patiently to retry. */
export interface MqttLinkSettings {
  readonly brokerUrl: string;
  /** MQTT protocol level: 4 (3.1.1) unless asked otherwise. */
  readonly mqttVersion: MqttVersion;
  /** PEM certificates a TLS broker's certificate must chain to (--ca); undefined = the system's CAs. */
  readonly ca: readonly string[] | undefined;
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

/**
 * The broker's PUBACK of one publish: its reason code (always 0 before MQTT 5; 0x10 "no matching
 * subscribers" is a success too) and, with MQTT 5, the reason string it may carry.
 */
export interface PublishAck {
  readonly reasonCode: number;
  readonly reasonString: string | undefined;
}

type PubackPacket = Extract<Packet, { cmd: "puback" }>;

/** One mqtt.js client and what its broker said beyond what mqtt.js hands to callbacks. */
interface Connection {
  readonly client: MqttClient;
  /** PUBACKs by packet id: mqtt.js passes an accepting PUBACK's reason string to no callback. */
  readonly pubacks: Map<number, PubackPacket>;
}

/** What a closed connection leaves behind for the explanation of its end. */
interface ConnectionEnd {
  wasConnected: boolean;
  lastError: Error | undefined;
  /** The reason string of a refusing MQTT 5 CONNACK. */
  refusalReason: string | undefined;
  /** An MQTT 5 DISCONNECT the broker sent before closing. */
  disconnect: IDisconnectPacket | undefined;
}

/**
 * One MQTT connection to the hub (3.1.1 unless --mqtt-version says otherwise), re-established with
 * exponential back-off (a fresh client each time, so mqtt.js never re-sends on its own: the queue decides
 * what is sent). Refused credentials back off straight to the maximum, so a wrong password never becomes
 * a busy loop.
 */
export class MqttLink {
  readonly #settings: MqttLinkSettings;
  readonly #notify: NoticeSink;
  readonly #onChange: () => void;
  #connection: Connection | undefined;
  #connected = false;
  #stopped = false;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #pending = new Set<(error: Error) => void>();
  #connectionNumber = 0;
  #lastRefusalCode: number | undefined;
  #receiveMaximum: number | undefined;
  #nextAttemptAt: number | undefined;

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

  /**
   * The most unacknowledged QoS 1 publishes the broker takes on this connection (MQTT 5 CONNACK "receive
   * maximum"; a client that sends more is disconnected), or undefined when it set no limit.
   */
  get receiveMaximum(): number | undefined {
    return this.#receiveMaximum;
  }

  /**
   * When (performance.now() time) the next connection attempt is due after a failed or lost connection;
   * undefined while connected or connecting.
   */
  get nextAttemptAt(): number | undefined {
    return this.#nextAttemptAt;
  }

  /** Starts connecting; returns at once. */
  start(): void {
    this.#connect();
  }

  #connect(): void {
    this.#timer = undefined;
    this.#nextAttemptAt = undefined;
    if (this.#stopped) return;
    const s = this.#settings;
    const client = mqtt.connect(s.brokerUrl, {
      clientId: s.clientId,
      username: s.username,
      password: s.password,
      ...protocolOptions(s.mqttVersion),
      ...(s.ca === undefined ? {} : { ca: [...s.ca] }),
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: s.connectTimeoutMs,
      resubscribe: false,
    });
    const connection: Connection = { client, pubacks: new Map() };
    this.#connection = connection;
    const end: ConnectionEnd = {
      wasConnected: false,
      lastError: undefined,
      refusalReason: undefined,
      disconnect: undefined,
    };
    client.on("error", (error) => {
      end.lastError = error;
    });
    client.on("packetreceive", (packet: Packet) => {
      if (packet.cmd === "puback" && packet.messageId !== undefined)
        connection.pubacks.set(packet.messageId, packet);
      else if (packet.cmd === "connack") end.refusalReason = packet.properties?.reasonString;
    });
    client.on("disconnect", (packet) => {
      end.disconnect = packet;
    });
    client.on("connect", (connack) => {
      end.wasConnected = true;
      this.#connected = true;
      this.#failures = 0;
      this.#lastRefusalCode = undefined;
      this.#receiveMaximum = connack.properties?.receiveMaximum;
      this.#connectionNumber++;
      this.#notify({ kind: "connected", broker: s.brokerUrl, mqttVersion: s.mqttVersion });
      this.#subscribeFeedback(client);
      this.#onChange();
    });
    client.on("message", (topic, payload) => {
      if (topic === s.feedbackTopic) this.#notify({ kind: "feedback", payload: payload.toString("utf8") });
    });
    client.once("close", () => this.#closed(connection, end));
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

  #closed(connection: Connection, end: ConnectionEnd): void {
    const { client } = connection;
    client.removeAllListeners("message");
    client.end(true);
    if (this.#connection === connection) this.#connection = undefined;
    this.#connected = false;
    const lost = new LinkDownError("the connection closed before the broker acknowledged");
    for (const reject of this.#pending) reject(lost);
    this.#pending.clear();
    if (this.#stopped) return;
    const s = this.#settings;
    const failure = explainConnectFailure(
      {
        brokerUrl: s.brokerUrl,
        username: s.username,
        mqttVersion: s.mqttVersion,
        caGiven: s.ca !== undefined,
      },
      end.lastError,
      end.refusalReason,
    );
    const retryInMs = failure.credentialsRefused
      ? s.reconnectMaxMs
      : Math.min(s.reconnectMaxMs, s.reconnectMinMs * 2 ** this.#failures);
    this.#failures++;
    // Set before the notice, so that whoever hears it can tell when the next try comes.
    this.#nextAttemptAt = performance.now() + retryInMs;
    if (end.wasConnected) {
      this.#notify({ kind: "connection-lost", message: describeLoss(end) });
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

  /**
   * Publishes with QoS 1; resolves with the broker's PUBACK (whatever its reason code: what it means is
   * the caller's to judge), rejects with LinkDownError when no PUBACK can come.
   */
  publish(topic: string, payload: string): Promise<PublishAck> {
    const connection = this.#connection;
    if (!this.#connected || connection === undefined)
      return Promise.reject(new LinkDownError("not connected"));
    return new Promise<PublishAck>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: PublishAck | Error) => {
        if (settled) return;
        settled = true;
        this.#pending.delete(settle);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      this.#pending.add(settle);
      connection.client.publish(topic, payload, { qos: 1 }, (error, packet) => {
        // mqtt.js fails the publish for a PUBACK reason code of 0x80 or more and hands over that PUBACK.
        if (packet?.cmd === "puback") {
          if (packet.messageId !== undefined) connection.pubacks.delete(packet.messageId);
          settle({ reasonCode: packet.reasonCode ?? 0x80, reasonString: packet.properties?.reasonString });
          return;
        }
        if (error) {
          settle(error);
          return;
        }
        // On success mqtt.js hands over the publish it sent; the PUBACK was kept by its packet id.
        const id = packet?.messageId;
        const puback = id === undefined ? undefined : connection.pubacks.get(id);
        if (id !== undefined) connection.pubacks.delete(id);
        settle({ reasonCode: puback?.reasonCode ?? 0, reasonString: puback?.properties?.reasonString });
      });
    });
  }

  /** Closes the connection (politely if it is up) and stops reconnecting. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const client = this.#connection?.client;
    this.#connection = undefined;
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

/** Why an established connection ended: the broker's MQTT 5 DISCONNECT if it sent one, else the socket's error. */
function describeLoss(end: ConnectionEnd): string {
  const packet = end.disconnect;
  if (packet !== undefined) {
    return `the broker disconnected: DISCONNECT ${describeReasonCode(packet.reasonCode ?? 0, packet.properties?.reasonString)}`;
  }
  return end.lastError ? describeNetworkError(end.lastError) : "closed by the broker";
}
