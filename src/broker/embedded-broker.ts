import { once } from "node:events";
import { createServer, type Server } from "node:net";
import type { Duplex } from "node:stream";
import { Aedes, type AuthenticateError, type Client } from "aedes";
import { type DataSource, dataTopic, feedbackTopic, isDataTopic } from "../domain/data-source.ts";
import { clip, type Logger, type LogLevel } from "../platform/logger.ts";
import { RepeatedEventLog } from "../platform/repeated-event-log.ts";
import { verifyDevicePassword } from "../platform/secrets.ts";
import { ClientIdOwners } from "./client-id-owners.ts";
import { skipRoutingOfDeviceData } from "./device-data-bypass.ts";
import type { DeviceDirectory } from "./device-directory.ts";
import { guardPacketSize } from "./packet-size-guard.ts";

/** Longest text from the network (usernames, client ids, topics) written to the log. */
const MAX_LOGGED_CHARS = 128;

/** A refusal from one address is logged in full once, then counted and logged once per this interval. */
const REFUSAL_SUMMARY_MS = 60_000;

/** Called for every publish a device is allowed to make; resolves once the message is durably handled. */
export type DevicePublishHandler = (source: DataSource, payload: Buffer, qos: 0 | 1 | 2) => Promise<void>;

/** Connection state changes the hub tracks for health. */
export interface ConnectionEvents {
  connected(dataSourceId: string): void;
  disconnected(dataSourceId: string): void;
}

/** The embedded MQTT broker: device authentication, per-device ACL, ingest on publish, feedback out. */
export class EmbeddedBroker {
  private readonly clientsBySource = new Map<string, Set<Client>>();
  private readonly sourceOfClient = new WeakMap<Client, string>();
  private readonly sockets = new Set<Duplex>();
  private readonly addressOfClient = new WeakMap<Client, string>();
  private readonly refusals: RepeatedEventLog;
  private readonly clientIdOwners = new ClientIdOwners(
    (sourceId) => this.devices.get(sourceId) !== undefined,
  );
  private server: Server | undefined;
  private aedes: Aedes | undefined;

  constructor(
    /** Packets larger than this close the connection before they are read into memory. */
    private readonly maxPacketBytes: number,
    private readonly devices: DeviceDirectory,
    private readonly onPublish: DevicePublishHandler,
    private readonly events: ConnectionEvents,
    private readonly logger: Logger,
  ) {
    this.refusals = new RepeatedEventLog(logger, REFUSAL_SUMMARY_MS);
  }

  /** Starts listening; resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => {
        if (!client) return done(null);
        const sourceId = this.sourceOfClient.get(client);
        const entry = sourceId === undefined ? undefined : this.devices.get(sourceId);
        if (!entry || packet.topic !== dataTopic(entry.source.id)) {
          this.refuse(client, "warn", "publish refused", { dataSource: sourceId, topic: packet.topic });
          return done(new Error(`publishing to ${packet.topic} is not allowed`));
        }
        // The hub keeps the data; the broker must not hold device messages as retained copies.
        packet.retain = false;
        this.onPublish(entry.source, packet.payload as Buffer, packet.qos).then(
          () => done(null),
          (err: unknown) => {
            // While storage is down every resent message fails alike: logged in full once, then counted.
            this.refusals.record(
              "error",
              "message could not be stored; the device will resend it",
              this.addressOfClient.get(client) ?? "unknown",
              { dataSource: sourceId, error: String(err) },
            );
            done(err instanceof Error ? err : new Error(String(err)));
          },
        );
      },
      authorizeSubscribe: (client, subscription, done) => {
        const sourceId = this.sourceOfClient.get(client);
        if (sourceId !== undefined && subscription.topic === feedbackTopic(sourceId)) {
          if (!client.clean) this.clientIdOwners.keepSession(client.id, sourceId);
          return done(null, subscription);
        }
        this.refuse(client, "warn", "subscription refused", {
          dataSource: sourceId,
          topic: subscription.topic,
        });
        done(null, null);
      },
      // Every message on its way to a device, live or from a session's queue, must be its own feedback.
      authorizeForward: (client, packet) => {
        const sourceId = this.sourceOfClient.get(client);
        if (sourceId !== undefined && packet.topic === feedbackTopic(sourceId)) return packet;
        this.refuse(client, "warn", "message for another device dropped", {
          dataSource: sourceId,
          topic: packet.topic,
        });
        return null;
      },
    });
    skipRoutingOfDeviceData(aedes, isDataTopic);
    aedes.on("clientError", (client, err) =>
      this.logger.debug("client error", {
        client: clip(client.id ?? "", MAX_LOGGED_CHARS),
        error: clip(err.message, MAX_LOGGED_CHARS),
      }),
    );
    this.aedes = aedes;
    const server = createServer({ noDelay: true }, (socket) =>
      this.acceptConnection(socket, socket.remoteAddress ?? "unknown"),
    );
    this.server = server;
    this.refusals.start();
    server.listen(port, host);
    await Promise.race([
      once(server, "listening"),
      once(server, "error").then(([err]) => Promise.reject(err)),
    ]);
    const address = server.address();
    return typeof address === "object" && address ? address.port : port;
  }

  /**
   * Serves one device connection that arrived over any transport (TCP, TLS, WebSocket): the stream
   * carries MQTT packets both ways; `remoteAddress` is the peer's address for the log.
   */
  acceptConnection(stream: Duplex, remoteAddress: string): void {
    const aedes = this.aedes;
    if (!aedes) {
      stream.destroy();
      return;
    }
    const client = aedes.handle(stream);
    this.addressOfClient.set(client, remoteAddress);
    if (!guardPacketSize(client, stream, this.maxPacketBytes)) {
      this.logger.warn("packet size guard unavailable with this Aedes version; large packets are buffered");
    }
    this.sockets.add(stream);
    // The stream's close is the one event that fires for every connection, however it ends.
    stream.once("close", () => {
      this.sockets.delete(stream);
      this.forgetClient(client);
    });
  }

  /** Publishes a JSON document to a device's feedback topic. */
  sendFeedback(dataSourceId: string, report: unknown): void {
    this.aedes?.publish(
      {
        cmd: "publish",
        topic: feedbackTopic(dataSourceId),
        payload: Buffer.from(JSON.stringify(report)),
        qos: 1,
        retain: false,
        dup: false,
      },
      (err) => {
        if (err)
          this.logger.warn("feedback could not be sent", { dataSource: dataSourceId, error: err.message });
      },
    );
  }

  /** Closes every open connection of a data source at once (disabled, deleted or re-keyed). */
  disconnectSource(dataSourceId: string): void {
    const clients = this.clientsBySource.get(dataSourceId);
    if (!clients) return;
    for (const client of [...clients]) client.close();
  }

  isConnected(dataSourceId: string): boolean {
    return (this.clientsBySource.get(dataSourceId)?.size ?? 0) > 0;
  }

  /** Stops accepting connections, closes the ones there are, then the broker. */
  async close(): Promise<void> {
    const server = this.server;
    const aedes = this.aedes;
    // server.close() only stops accepting; it completes once aedes has closed the open connections.
    const serverClosed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    // A connection that replaced another one with its client id registers with Aedes only once the old
    // one has closed; caught in between, Aedes never closes it, and it would hold the server open.
    for (const socket of this.sockets) socket.destroy();
    await serverClosed;
    this.refusals.close();
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    const entry = username === undefined ? undefined : this.devices.get(username);
    if (!entry || !password || !verifyDevicePassword(password.toString("utf8"), entry.password)) {
      this.refuse(client, "info", "device connection refused: bad username or password", { username });
      done(authError("bad username or password", 4), false);
      return;
    }
    if (!entry.source.enabled) {
      this.refuse(client, "info", "device connection refused: data source disabled", {
        dataSource: entry.source.id,
      });
      done(authError("data source is disabled", 5), false);
      return;
    }
    const id = entry.source.id;
    if (!this.clientIdOwners.claim(client.id, id, client.clean)) {
      this.refuse(client, "info", "device connection refused: client id held by another data source", {
        dataSource: id,
        clientId: client.id,
      });
      done(authError("client id is in use by another data source", 2), false);
      return;
    }
    this.sourceOfClient.set(client, id);
    const clients = this.clientsBySource.get(id) ?? new Set<Client>();
    clients.add(client);
    this.clientsBySource.set(id, clients);
    if (clients.size === 1) this.events.connected(id);
    done(null, true);
  }

  /** Logs a refusal: in full the first time from an address, then only counted; text from the network clipped. */
  private refuse(
    client: Client,
    level: LogLevel,
    message: string,
    fields: Record<string, string | undefined>,
  ): void {
    const clipped: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(fields)) clipped[key] = value && clip(value, MAX_LOGGED_CHARS);
    const address = this.addressOfClient.get(client) ?? "unknown";
    this.refusals.record(level, message, address, clipped);
  }

  private forgetClient(client: Client): void {
    const id = this.sourceOfClient.get(client);
    if (id === undefined) return;
    this.sourceOfClient.delete(client);
    this.clientIdOwners.release(client.id, id);
    const clients = this.clientsBySource.get(id);
    if (!clients?.delete(client)) return;
    if (clients.size === 0) {
      this.clientsBySource.delete(id);
      this.events.disconnected(id);
    }
  }
}

function authError(message: string, returnCode: 2 | 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode });
}
