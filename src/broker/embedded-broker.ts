import { once } from "node:events";
import { createServer, type Server } from "node:net";
import type { Duplex } from "node:stream";
import type { ConnectionEvent } from "../domain/connection-event.ts";
import { clip, type Logger, type LogLevel } from "../platform/logger.ts";
import { RepeatedEventLog } from "../platform/repeated-event-log.ts";
import type { DeviceSessionStore } from "../storage/ports.ts";
import { ConnectionLog } from "./connection-log.ts";
import {
  type ConnectionHost,
  DeviceConnection,
  type DevicePublishHandler,
  type EndpointLimits,
} from "./device-connection.ts";
import type { DeviceDirectory } from "./device-directory.ts";
import { DeviceSessions } from "./device-sessions.ts";
import { PacketReader } from "./packet-reader.ts";
import { REASON } from "./reason-codes.ts";

export type { DevicePublishHandler } from "./device-connection.ts";

/** Longest text from the network (usernames, client ids, topics) written to the log. */
const MAX_LOGGED_CHARS = 128;

/** A refusal from one address is logged in full once, then counted and logged once per this interval. */
const REFUSAL_SUMMARY_MS = 60_000;

/** How often sessions whose expiry passed (or whose data source was deleted) are ended. */
const SESSION_SWEEP_MS = 60_000;

/** Connection state changes the hub tracks for health. */
export interface ConnectionEvents {
  connected(dataSourceId: string): void;
  disconnected(dataSourceId: string): void;
}

/**
 * The hub's MQTT endpoint for devices (MQTT 3.1, 3.1.1 and 5.0 over any transport handed to
 * acceptConnection; TCP is its own): devices authenticate as their data source, publish to their data
 * topic and subscribe to their feedback topic; nothing is routed between clients.
 */
export class EmbeddedBroker {
  private readonly connectionsBySource = new Map<string, Set<DeviceConnection>>();
  private readonly connections = new Set<DeviceConnection>();
  private readonly refusals: RepeatedEventLog;
  private readonly connectionLog = new ConnectionLog();
  private readonly limits: EndpointLimits;
  /** What every connection shares: set once the sessions are loaded (listen). */
  private host: ConnectionHost | undefined;
  private server: Server | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    limits: EndpointLimits,
    private readonly devices: DeviceDirectory,
    private readonly onPublish: DevicePublishHandler,
    private readonly events: ConnectionEvents,
    private readonly logger: Logger,
  ) {
    this.limits = limits;
    this.refusals = new RepeatedEventLog(logger, REFUSAL_SUMMARY_MS);
  }

  /**
   * Loads the devices' persistent sessions and starts listening on TCP; resolves with the bound port.
   * `joinSessions` loads them: with other instances on the database, after it listens for their changes
   * (the sync's first read is the load, so they are not read twice).
   */
  async listen(
    host: string,
    port: number,
    sessionStore: DeviceSessionStore,
    joinSessions: (sessions: DeviceSessions) => Promise<void> = (sessions) => sessions.load(),
  ): Promise<number> {
    const sessions = new DeviceSessions(
      sessionStore,
      (id) => this.devices.get(id) !== undefined,
      this.logger,
    );
    await joinSessions(sessions);
    this.host = this.connectionHost(sessions);
    this.sweeper = setInterval(() => {
      void sessions.sweep(); // never rejects: it logs what failed
      this.connectionLog.keepOnly((id) => this.devices.get(id) !== undefined);
    }, SESSION_SWEEP_MS);
    this.sweeper.unref();
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
    const host = this.host;
    if (!host) {
      stream.destroy();
      return;
    }
    const connection = new DeviceConnection(stream, remoteAddress, host);
    this.connections.add(connection);
    stream.once("close", () => this.connections.delete(connection));
  }

  /** Sends a JSON document to a device's feedback topic, or queues it for the device's persistent sessions. */
  sendFeedback(dataSourceId: string, report: unknown): void {
    this.host?.sessions.deliver(dataSourceId, () => Buffer.from(JSON.stringify(report)));
  }

  /** Closes every open connection of a data source at once (disabled, deleted or re-keyed). */
  disconnectSource(dataSourceId: string): void {
    for (const connection of [...(this.connectionsBySource.get(dataSourceId) ?? [])]) {
      connection.close(REASON.notAuthorized, "the data source was disabled, deleted or given a new password");
    }
  }

  /** The data source's last connection events, newest first. */
  connectionsOf(dataSourceId: string): ConnectionEvent[] {
    return this.connectionLog.of(dataSourceId);
  }

  isConnected(dataSourceId: string): boolean {
    return (this.connectionsBySource.get(dataSourceId)?.size ?? 0) > 0;
  }

  /** Sessions held (live and waiting), for tests. */
  get sessionCount(): number {
    return this.host?.sessions.size ?? 0;
  }

  /** Stops accepting connections, tells every device the hub is going, and closes their connections. */
  async close(): Promise<void> {
    const server = this.server;
    const serverClosed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const connection of this.connections)
      connection.close(REASON.serverShuttingDown, "the hub is stopping");
    await serverClosed;
    // The sessions' last writes (feedback the devices had not acknowledged) reach the store before it closes.
    await this.host?.sessions.settled();
    this.refusals.close();
  }

  private connectionHost(sessions: DeviceSessions): ConnectionHost {
    return {
      devices: this.devices,
      sessions,
      onPublish: this.onPublish,
      limits: this.limits,
      logger: this.logger,
      reader: new PacketReader(),
      refuse: (address, level, message, fields) => this.refuse(address, level, message, fields),
      storeFailed: (address, sourceId, error) =>
        // While storage is down every resent message fails alike: logged in full once, then counted.
        this.refusals.record("error", "message could not be stored; the device will resend it", address, {
          dataSource: sourceId,
          error: String(error),
        }),
      note: (sourceId, event) => this.connectionLog.record(sourceId, event),
      opened: (connection) => this.opened(connection),
      closed: (connection) => this.closed(connection),
    };
  }

  private opened(connection: DeviceConnection): void {
    const id = connection.sourceId as string;
    const ofSource = this.connectionsBySource.get(id) ?? new Set<DeviceConnection>();
    ofSource.add(connection);
    this.connectionsBySource.set(id, ofSource);
    if (ofSource.size === 1) this.events.connected(id);
  }

  private closed(connection: DeviceConnection): void {
    const id = connection.sourceId as string;
    const ofSource = this.connectionsBySource.get(id);
    if (!ofSource?.delete(connection)) return;
    if (ofSource.size === 0) {
      this.connectionsBySource.delete(id);
      this.events.disconnected(id);
    }
  }

  /** Logs a refusal: in full the first time from an address, then only counted; text from the network clipped. */
  private refuse(
    address: string,
    level: LogLevel,
    message: string,
    fields: Record<string, string | undefined>,
  ): void {
    const clipped: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(fields)) clipped[key] = value && clip(value, MAX_LOGGED_CHARS);
    this.refusals.record(level, message, address, clipped);
  }
}
