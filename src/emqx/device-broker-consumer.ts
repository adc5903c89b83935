import mqtt, { type MqttClient } from "mqtt";
import { type DataSource, feedbackTopic } from "../domain/data-source.ts";
import { clip, type Logger } from "../platform/logger.ts";
import { RepeatedEventLog } from "../platform/repeated-event-log.ts";
import { dataSourceIdOfTopic, SHARED_DATA_SUBSCRIPTION } from "./shared-data-subscription.ts";

/** Where and as whom the hub connects; the password is never logged. */
export interface DeviceBrokerConnection {
  readonly url: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** Names this instance's kept session: the same after a restart, different for every instance. */
  readonly clientId: string;
}

/** The device broker could not be used at start (unreachable, refused the login or the subscription). */
export class DeviceBrokerUnavailable extends Error {}

/** This instance's view of a data source (its in-memory directory). */
export type KnownDataSource = (dataSourceId: string) => DataSource | undefined;

/** Reads a data source from the database: one this instance has not heard of yet may be new. */
export type DataSourceLookup = (dataSourceId: string) => Promise<DataSource | undefined>;

/** Hands one device message to the ingest; resolves once its outcome is committed, rejects if it was not. */
export type DeviceMessageIngest = (source: DataSource, payload: Buffer) => Promise<unknown>;

/** How long the hub's session outlives its connection at the broker: messages wait there for a week. */
export const DEFAULT_SESSION_EXPIRY_SECONDS = 7 * 86_400;

/** Unacknowledged messages the broker may send at once; they wait in memory while one is committed. */
const RECEIVE_MAXIMUM = 100;

/** The first connection must be made within this time, or the start fails with one sentence. */
const FIRST_CONNECT_TIMEOUT_MS = 10_000;

/** Wait between reconnection attempts after the connection was lost (or dropped after a failed commit). */
const RECONNECT_PERIOD_MS = 2_000;

/** A dropped message of one data source is logged in full once, then counted per this interval. */
const DROP_SUMMARY_MS = 60_000;

/** Longest text from the network (topics) written to the log. */
const MAX_LOGGED_CHARS = 128;

/** PUBACK reason code "success": the message is committed. */
const SUCCESS = 0;

export interface DeviceBrokerConsumerOptions {
  readonly settings: DeviceBrokerConnection;
  /** Seconds the broker keeps the session (and queues messages) while the hub is away. */
  readonly sessionExpirySeconds?: number;
}

/**
 * Consumes device data from an external MQTT 5 broker (EMQX) through the shared subscription of all hub
 * instances, and publishes feedback reports there. A message is acknowledged to the broker only after its
 * ingest committed, so the broker keeps (and redelivers) whatever the hub has not stored.
 */
export class DeviceBrokerConsumer {
  private client: MqttClient | undefined;
  private readonly drops: RepeatedEventLog;
  /** The message being ingested (mqtt.js hands over the next one only after this one's PUBACK). */
  private current: Promise<void> = Promise.resolve();
  private stopping = false;
  /** Messages stored and acknowledged to the broker by this instance (for tests and health). */
  private storedCount = 0;
  /** Undefined until the first connection; then whether it is lost (for logging each change once). */
  private connectionLost: boolean | undefined;

  constructor(
    private readonly options: DeviceBrokerConsumerOptions,
    private readonly known: KnownDataSource,
    private readonly ingest: DeviceMessageIngest,
    private readonly lookup: DataSourceLookup,
    private readonly logger: Logger,
  ) {
    this.drops = new RepeatedEventLog(logger, DROP_SUMMARY_MS);
  }

  /** Connects, resuming this instance's session, and subscribes; a broker that cannot be used stops the start. */
  async start(): Promise<void> {
    const { settings } = this.options;
    const client = mqtt.connect(settings.url, {
      protocolVersion: 5,
      clientId: settings.clientId,
      // A kept session: messages for the hub wait at the broker while it is away.
      clean: false,
      properties: {
        sessionExpiryInterval: this.options.sessionExpirySeconds ?? DEFAULT_SESSION_EXPIRY_SECONDS,
        receiveMaximum: RECEIVE_MAXIMUM,
      },
      ...(settings.username !== undefined && { username: settings.username }),
      ...(settings.password !== undefined && { password: settings.password }),
      reconnectPeriod: RECONNECT_PERIOD_MS,
      connectTimeout: FIRST_CONNECT_TIMEOUT_MS,
      customHandleAcks: (topic, payload, _packet, acknowledge) => this.received(topic, payload, acknowledge),
    });
    this.client = client;
    // Listening from the first moment: an "error" event without a listener would end the process.
    this.watchConnection(client);
    this.drops.start();
    try {
      await firstConnection(client);
      const granted = await client.subscribeAsync(SHARED_DATA_SUBSCRIPTION, { qos: 1 });
      const code = granted[0]?.qos ?? 128;
      if (code >= 128) throw new Error(`the broker refused the subscription (reason code ${code})`);
    } catch (error) {
      await this.stop();
      throw new DeviceBrokerUnavailable(
        `cannot consume device data from ${settings.url} (--device-broker) as ${settings.username ?? "an anonymous client"}: ${(error as Error).message}.`,
      );
    }
    this.logger.info("consuming device data from the device broker", {
      broker: settings.url,
      clientId: settings.clientId,
      subscription: SHARED_DATA_SUBSCRIPTION,
    });
  }

  /** Publishes a feedback report to the device's feedback topic at QoS 1 (queued while the broker is away). */
  sendFeedback(dataSourceId: string, report: unknown): void {
    const client = this.client;
    if (client === undefined || client.disconnecting) return;
    client.publish(feedbackTopic(dataSourceId), JSON.stringify(report), { qos: 1 }, (error) => {
      if (error)
        this.logger.warn("feedback report not delivered to the device broker", {
          dataSource: dataSourceId,
          error: error.message,
        });
    });
  }

  /** Messages this instance stored and acknowledged since it started. */
  get stored(): number {
    return this.storedCount;
  }

  /** Finishes the message being stored (and acknowledges it), then disconnects; the session stays at the broker. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.current;
    const client = this.client;
    this.client = undefined;
    // Not forced: feedback reports already handed to the broker get their acknowledgement first.
    if (client !== undefined) await client.endAsync(!client.connected);
    this.drops.close();
  }

  /** One message from the shared subscription: stored, then acknowledged; or dropped (and acknowledged). */
  private received(topic: string, payload: Buffer, acknowledge: (code: number) => void): void {
    // Not acknowledged while stopping: the broker hands it over again when a hub resumes the session.
    if (this.stopping) return;
    const sourceId = dataSourceIdOfTopic(topic);
    this.current = this.sourceOf(sourceId).then(
      (source) => {
        if (source === undefined || !source.enabled) {
          this.dropped(topic, sourceId, source !== undefined);
          // Acknowledged: the broker would otherwise hand the same unusable message over again and again.
          acknowledge(SUCCESS);
          return;
        }
        return this.ingest(source, payload).then(
          () => {
            this.storedCount++;
            acknowledge(SUCCESS);
          },
          (error: unknown) => this.commitFailed(source.id, error),
        );
      },
      (error: unknown) => this.commitFailed(sourceId ?? topic, error),
    );
  }

  /**
   * The topic's data source from this instance's directory or, when the directory does not know it (created on
   * another instance a moment ago), from the database.
   */
  private async sourceOf(sourceId: string | undefined): Promise<DataSource | undefined> {
    if (sourceId === undefined) return undefined;
    return this.known(sourceId) ?? (await this.lookup(sourceId));
  }

  private dropped(topic: string, sourceId: string | undefined, known: boolean): void {
    this.drops.record(
      "warn",
      "device message dropped: no enabled data source has its topic",
      clip(sourceId ?? topic, MAX_LOGGED_CHARS),
      { topic: clip(topic, MAX_LOGGED_CHARS), known },
    );
  }

  /** Leaves the message unacknowledged and drops the connection, so the broker delivers it again. */
  private commitFailed(sourceId: string, error: unknown): void {
    // While storage is down every redelivery fails alike: logged in full once, then counted.
    this.drops.record(
      "error",
      "device message could not be stored; the device broker will deliver it again",
      clip(sourceId, MAX_LOGGED_CHARS),
      { dataSource: sourceId, error: String(error) },
    );
    // Reconnecting resumes the session, and the broker resends every message not acknowledged.
    this.client?.stream.destroy();
  }

  /** Logs losing and regaining the broker once each, not every reconnection attempt. */
  private watchConnection(client: MqttClient): void {
    client.on("close", () => {
      if (this.stopping || this.connectionLost !== false) return;
      this.connectionLost = true;
      this.logger.warn("connection to the device broker lost; reconnecting", {
        broker: this.options.settings.url,
      });
    });
    client.on("error", (error) => {
      this.logger.debug("device broker connection error", { error: error.message });
    });
    client.on("connect", (connack) => {
      const wasLost = this.connectionLost === true;
      this.connectionLost = false;
      if (!wasLost) return;
      this.logger.info("connection to the device broker regained", {
        broker: this.options.settings.url,
        sessionResumed: connack.sessionPresent,
      });
    });
  }
}

/** Resolves on the first CONNACK that accepts the client; rejects on a refusal, an error or the timeout. */
function firstConnection(client: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => settle(new Error(`no connection within ${FIRST_CONNECT_TIMEOUT_MS / 1000} s`)),
      FIRST_CONNECT_TIMEOUT_MS,
    );
    const settle = (error?: Error) => {
      clearTimeout(timer);
      client.off("connect", onConnect);
      client.off("error", onError);
      if (error) reject(error);
      else resolve();
    };
    const onConnect = () => settle();
    const onError = (error: Error) => settle(error);
    client.on("connect", onConnect);
    client.on("error", onError);
  });
}
