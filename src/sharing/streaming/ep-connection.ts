import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "../../platform/logger.ts";
import type { BrokerCredentials, OutboxMessage } from "../../storage/ports.ts";

/** How a connection to EDDIE's broker behaves. */
export interface EpConnectionOptions {
  /** First wait before connecting again; doubles after each failure up to reconnectMaxMs. */
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  readonly connectTimeoutMs: number;
  /** Messages published and not yet acknowledged at once; they go out in outbox order. */
  readonly maxInFlight: number;
}

/** What the connection asks of and tells its permission's stream. */
export interface EpConnectionHooks {
  /** The oldest outbox messages, up to `limit`; data messages only while `includeData`. */
  outbox(limit: number, includeData: boolean): Promise<OutboxMessage[]>;
  /** EDDIE's broker acknowledged a message (PUBACK); call `settled(id)` once that is recorded. */
  delivered(message: OutboxMessage, at: number): void;
  /** A message on the command subscription. */
  command(topic: string, payload: Buffer): void;
  /** EDDIE's broker refused the credentials (CONNACK 4 or 5). */
  refused(returnCode: number): void;
}

/** CONNACK return codes of MQTT 3.1.1 that mean "these credentials are not (or no longer) good". */
const REFUSED_CREDENTIALS = new Set([4, 5]);

/**
 * One permission's connection to EDDIE's broker: client id = username = permission id, MQTT 3.1.1 with
 * a persistent session (clean: false), connecting again with back-off for as long as it is open, and
 * subscribing to the command topic on every connect. It publishes the permission's outbox in order with
 * QoS 1, a few messages in flight; a message is done only when its PUBACK arrives. Each connection gets a
 * fresh client: what was in flight when a connection broke is published again from the outbox.
 */
export class EpConnection {
  private client: MqttClient | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private failures = 0;
  private closed = false;
  private isConnected = false;
  /** Published on the current connection, no PUBACK yet. */
  private readonly inFlight = new Set<number>();
  /** Acknowledged, but not yet deleted from the outbox: never published again. */
  private readonly acknowledged = new Set<number>();
  /** True while a pump reads the outbox: pumps run one at a time, or two could publish the same message. */
  private pumping = false;
  /** A pump was asked for while one ran: it runs again once the outbox was read. */
  private pumpAgain = false;
  /** Ids settled while a pump read the outbox: the read may still list them, but they are gone. */
  private settledDuringRead: Set<number> | undefined;
  /** Whether data messages may go out (SET_TRANSMISSION_ENABLED); status messages always may. */
  transmissionEnabled = true;
  /** Whether to subscribe to the command topic (not while the permission is ending). */
  takeCommands = true;

  constructor(
    private readonly credentials: BrokerCredentials,
    private readonly hooks: EpConnectionHooks,
    private readonly logger: Logger,
    private readonly options: EpConnectionOptions,
  ) {
    this.backoffMs = options.reconnectInitialMs;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Outbox ids that must stay in the outbox for now (published or acknowledged, not yet settled). */
  handedIds(): number[] {
    return [...this.inFlight, ...this.acknowledged];
  }

  /** Published or acknowledged messages whose end is not recorded yet. */
  get busy(): boolean {
    return this.inFlight.size > 0 || this.acknowledged.size > 0;
  }

  open(): void {
    if (this.closed || this.client !== undefined || this.reconnectTimer !== undefined) return;
    this.connect();
  }

  /** The PUBACK of `id` is recorded: it may leave the bookkeeping. */
  settled(id: number): void {
    this.acknowledged.delete(id);
    this.settledDuringRead?.add(id);
  }

  /**
   * Publishes the oldest outbox messages not yet out, while there is room in the window. The outbox is
   * read asynchronously; a pump asked for meanwhile runs after it, so messages still go out in order.
   */
  pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pumpWhileAsked()
      .catch((error: unknown) =>
        this.logger.error(
          "the outbox could not be read; it is published at the next acknowledgement or connect",
          {
            permission: this.credentials.username,
            error: String(error),
          },
        ),
      )
      .finally(() => {
        this.pumping = false;
        this.settledDuringRead = undefined;
      });
  }

  private async pumpWhileAsked(): Promise<void> {
    do {
      this.pumpAgain = false;
      await this.pumpOnce();
    } while (this.pumpAgain);
  }

  private async pumpOnce(): Promise<void> {
    const client = this.client;
    if (!this.isConnected || client === undefined) return;
    if (this.options.maxInFlight - this.inFlight.size <= 0) return;
    const handed = this.inFlight.size + this.acknowledged.size;
    const room = this.options.maxInFlight - this.inFlight.size;
    this.settledDuringRead = new Set();
    const includeData = this.transmissionEnabled;
    const messages = await this.hooks.outbox(room + handed, includeData);
    const settled = this.settledDuringRead;
    this.settledDuringRead = undefined;
    // The connection may have broken while the outbox was read: its successor pumps on its own connect.
    if (client !== this.client || !this.isConnected) return;
    let free = this.options.maxInFlight - this.inFlight.size;
    for (const message of messages) {
      if (free <= 0) break;
      if (this.inFlight.has(message.id) || this.acknowledged.has(message.id) || settled.has(message.id))
        continue;
      // Transmission switched off while the outbox was read: its data messages wait.
      if (message.kind === "data" && !this.transmissionEnabled) continue;
      this.publish(client, message);
      free -= 1;
    }
  }

  private publish(client: MqttClient, message: OutboxMessage): void {
    this.inFlight.add(message.id);
    client.publish(message.topic, message.payload, { qos: 1, retain: message.retain }, (error) => {
      // A callback of a connection that has since broken: the message goes out again on the next one.
      if (client !== this.client || !this.inFlight.delete(message.id)) return;
      if (error) {
        this.logger.debug("publish to EDDIE failed; it stays in the outbox", {
          permission: this.credentials.username,
          error: error.message,
        });
        return;
      }
      this.acknowledged.add(message.id);
      this.hooks.delivered(message, Date.now());
      this.pump();
    });
  }

  private connect(): void {
    const { brokerUrl, username, password } = this.credentials;
    const client = mqtt.connect(brokerUrl, {
      clientId: username,
      username,
      password,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0, // reconnecting is done here, with back-off and a fresh client
      resubscribe: false, // subscribed on every connect below
      connectTimeout: this.options.connectTimeoutMs,
    });
    this.client = client;
    client.on("connect", () => {
      if (client !== this.client) return;
      this.isConnected = true;
      this.failures = 0;
      this.backoffMs = this.options.reconnectInitialMs;
      this.logger.info("connected to EDDIE's broker", { permission: username });
      if (this.takeCommands) {
        client.subscribe(this.credentials.commandTopic, { qos: 1 }, (error, granted) => {
          const refused = granted?.some((grant) => grant.qos === 128);
          if (error || refused) {
            this.logger.warn("subscribing to the command topic failed", {
              permission: username,
              error: error?.message ?? "refused by the broker",
            });
          }
        });
      }
      this.pump();
    });
    client.on("message", (topic, payload) => {
      if (client === this.client) this.hooks.command(topic, payload);
    });
    client.on("error", (error) => {
      if (client !== this.client) return;
      const code = (error as Error & { code?: unknown }).code;
      if (typeof code === "number" && REFUSED_CREDENTIALS.has(code)) {
        this.logger.warn("EDDIE's broker refused the permission's credentials", {
          permission: username,
          returnCode: code,
        });
        this.hooks.refused(code);
        return;
      }
      this.logger.debug("connection to EDDIE's broker failed", {
        permission: username,
        error: error.message,
      });
    });
    client.on("close", () => {
      if (client !== this.client) return;
      this.client = undefined;
      const wasConnected = this.isConnected;
      this.isConnected = false;
      this.inFlight.clear();
      client.end(true);
      if (this.closed) return;
      if (wasConnected) this.logger.warn("lost the connection to EDDIE's broker", { permission: username });
      else if (this.failures === 0)
        this.logger.warn("cannot reach EDDIE's broker; trying again", { permission: username });
      this.failures += 1;
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.reconnectMaxMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed) this.connect();
    }, delay);
  }

  /** Ends the connection for good; `graceful` sends DISCONNECT first (when everything is acknowledged). */
  async close(graceful = false): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const client = this.client;
    const connected = this.isConnected;
    this.client = undefined;
    this.isConnected = false;
    this.inFlight.clear();
    // DISCONNECT only over a live connection: on a dead one it would wait for nothing.
    if (client !== undefined) await client.endAsync(!(graceful && connected));
  }
}
