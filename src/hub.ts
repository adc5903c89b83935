import { randomUUID } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { DeviceDirectory } from "./broker/device-directory.ts";
import { EmbeddedBroker } from "./broker/embedded-broker.ts";
import { redactedDatabaseUrl } from "./config/database-url.ts";
import { ConfigError, type HubConfig } from "./config/hub-config.ts";
import { DeviceBrokerConsumer, DeviceBrokerUnavailable } from "./emqx/device-broker-consumer.ts";
import { EmqxClientKicker } from "./emqx/emqx-kick.ts";
import { EmqxRevocations } from "./emqx/emqx-revocations.ts";
import { buildHttpServer } from "./http/http-server.ts";
import { LiveStreams } from "./http/live-streams.ts";
import { type Instances, sharedDatabaseInstances, singleInstance } from "./hub-instances.ts";
import { HubTransports } from "./hub-transports.ts";
import { IngestPipeline } from "./ingest/ingest-pipeline.ts";
import { FeedbackBus, RecordBus } from "./ingest/record-bus.ts";
import type { Logger } from "./platform/logger.ts";
import { type LoadedSecretBox, loadOrCreateSecretBox, SecretKeyFileError } from "./platform/secret-box.ts";
import { AdminAuth } from "./services/admin-auth.ts";
import { DataSourceService } from "./services/data-source-service.ts";
import { healthOf } from "./services/health.ts";
import { RetentionJob, RollupJob } from "./services/retention.ts";
import { StorageHealth } from "./services/storage-health.ts";
import { HttpHandshake } from "./sharing/handshake-client.ts";
import { PermissionService } from "./sharing/permission-service.ts";
import type { RetryPolicy } from "./sharing/retry-policy.ts";
import type { AuthorisedCommandHandler, PermissionStreaming } from "./sharing/sharing-ports.ts";
import { MqttPermissionStreaming } from "./sharing/streaming/mqtt-permission-streaming.ts";
import type { HubStorage, RecordStore } from "./storage/ports.ts";
import { openPostgresStorage, type PostgresStorage } from "./storage/postgres/postgres-storage.ts";
import { openSqliteStorage } from "./storage/sqlite/sqlite-storage.ts";
import { TLS_FILES } from "./tls/private-ca-credentials.ts";
import { isLoopbackHost } from "./tls/server-names.ts";
import { HUB_VERSION } from "./version.ts";

/** Name of the SQLite file inside the data directory. */
export const DATABASE_FILE = "aiida-hub.sqlite";

/** Name of the file, beside the database, with the key that seals EDDIE's access tokens and broker passwords. */
export const SECRET_KEY_FILE = "aiida-hub-secret.key";

/** EDDIE's handshake calls give up after this long (AIIDA waits for ever). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Topic aliases a device may set up per connection (MQTT 5). */
const TOPIC_ALIAS_MAXIMUM = 16;

/** Fewest unacknowledged QoS 1/2 messages a device may have in flight, however low the rate limit. */
const MIN_RECEIVE_MAXIMUM = 100;

/** A connection that has not sent CONNECT within this time is closed. */
const CONNECT_DEADLINE_MS = 10_000;

/** What the streaming side is given when the hub builds it. */
export interface StreamingWiring {
  /** Where commands EDDIE sent, once authorised, are carried out. */
  readonly onCommand: AuthorisedCommandHandler;
  readonly logger: Logger;
}

/** Parts and timings from outside the configuration: the streaming side, and shorter waits in tests. */
export interface HubOptions {
  /** Wraps the record reads the HTTP routes make (tests count and hold them); without it, the store's own. */
  readonly records?: (store: RecordStore) => RecordStore;
  /** Builds the streaming side at start (tests record calls); without it, MQTT to EDDIE's brokers. */
  readonly streaming?: (wiring: StreamingWiring) => PermissionStreaming;
  /** Seconds the device broker (--device-broker) keeps the hub's session while it is away; tests shorten it. */
  readonly deviceBrokerSessionExpirySeconds?: number;
  readonly sharing?: {
    readonly retry?: RetryPolicy;
    readonly handshakeTimeoutMs?: number;
    /** The clock of the permissions' start and end times. */
    readonly now?: () => number;
  };
}

/** Addresses of a running hub. */
export interface RunningHub {
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly httpPort: number;
  readonly mqttPort: number;
  /** MQTT over WebSocket on the HTTP port. */
  readonly wsUrl: string;
  /** With --tls only: HTTPS, MQTT over TLS, and MQTT over WebSocket on the HTTPS port. */
  readonly httpsUrl: string | undefined;
  readonly mqttsUrl: string | undefined;
  readonly wssUrl: string | undefined;
  readonly httpsPort: number | undefined;
  readonly mqttsPort: number | undefined;
  /** Set only on the first start without AIIDA_HUB_ADMIN_PASSWORD: show it once. */
  readonly generatedAdminPassword: string | undefined;
}

/** A hub that can be started and stopped; everything it owns is built here and only here. */
export interface Hub {
  start(): Promise<RunningHub>;
  stop(): Promise<void>;
  /**
   * Resolves, with why, when the hub can no longer store data and only a restart helps (its writer
   * thread died). It then refuses every message and reports DOWN; the process should stop and be
   * restarted by its service manager.
   */
  readonly failed: Promise<string>;
  /** The pieces, for tests and benchmarks. */
  readonly internals: {
    storage(): HubStorage;
    broker: EmbeddedBroker;
    /** The consumer of --device-broker while the hub runs with it. */
    deviceBroker(): DeviceBrokerConsumer | undefined;
    dataSources(): DataSourceService;
    permissions(): PermissionService;
    liveStreams: LiveStreams;
    /** Runs the rollup job's pass now instead of at its next minute; resolves when it is done. */
    rollUp(): Promise<void>;
    /** Device messages received whose commit has not finished yet. */
    ingestWaiting(): number;
    /** Runs the daily TLS certificate check now (renewal, own files read again); resolves when done. */
    checkCertificates(): Promise<void>;
  };
}

/** The database the config names: PostgreSQL with --database-url, else the data directory's SQLite file. */
async function openStorage(config: HubConfig, secrets: LoadedSecretBox["box"]): Promise<HubStorage> {
  if (config.databaseUrl === undefined)
    return openSqliteStorage(join(config.dataDir, DATABASE_FILE), secrets);
  try {
    return await openPostgresStorage(config.databaseUrl, secrets);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // Unreachable, refused or unknown: a setting to fix, said in one sentence without the password.
    if (
      typeof code === "string" &&
      /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|28P01|28000|3D000)$/.test(code)
    ) {
      throw new ConfigError(
        `cannot use the PostgreSQL database ${redactedDatabaseUrl(config.databaseUrl)} (--database-url): ${(error as Error).message}.`,
      );
    }
    throw error;
  }
}

/** The composition root: wires storage, broker, ingest, services and HTTP from one config. */
export function createHub(config: HubConfig, logger: Logger, options: HubOptions = {}): Hub {
  let storage: HubStorage | undefined;
  let permissions: PermissionService | undefined;
  let streaming: PermissionStreaming | undefined;
  let http: FastifyInstance | undefined;
  let retention: RetentionJob | undefined;
  let rollup: RollupJob | undefined;
  let pipeline: IngestPipeline | undefined;
  let service: DataSourceService | undefined;
  let deviceBroker: DeviceBrokerConsumer | undefined;
  let brokerUrl = config.publicMqttUrl ?? "";
  const directory = new DeviceDirectory();
  const recordBus = new RecordBus(logger);
  const feedbackBus = new FeedbackBus(logger);
  // Alone until start joins the other instances on a shared PostgreSQL database.
  let instances: Instances = singleInstance(recordBus, feedbackBus);
  // Set once the admin store is open; no stream can exist before then.
  let sessionAlive: (token: string) => Promise<boolean> = async () => true;
  const liveStreams = new LiveStreams(
    { maxStreams: config.maxLiveStreams, maxStreamsPerSession: config.maxLiveStreamsPerSession },
    (token) => sessionAlive(token),
    logger,
  );
  const storageHealth = new StorageHealth(logger);
  let hubFailed: (reason: string) => void = () => {};
  const failed = new Promise<string>((resolve) => {
    hubFailed = resolve;
  });
  // Room above the payload limit so that oversized payloads still get a feedback report.
  const maxPacketBytes = config.maxPayloadBytes * 2 + 65_536;
  const broker = new EmbeddedBroker(
    {
      maxPacketBytes,
      // At least the rate limit's burst; beyond the rate, messages wait at most 2 s in ingest, then are refused (MQTT 5).
      receiveMaximum: Math.min(0xffff, Math.max(MIN_RECEIVE_MAXIMUM, config.rateLimitPerSecond * 2)),
      topicAliasMaximum: TOPIC_ALIAS_MAXIMUM,
      connectDeadlineMs: CONNECT_DEADLINE_MS,
    },
    directory,
    (source, payload, refusable) => {
      if (!pipeline) return Promise.reject(new Error("the hub is not running"));
      return pipeline.ingest(source, payload, refusable);
    },
    {
      connected: (id) => {
        logger.info("device connected", { dataSource: id });
        instances.connected(id);
      },
      disconnected: (id) => {
        logger.info("device disconnected", { dataSource: id });
        instances.disconnected(id);
      },
    },
    logger,
  );
  // With --emqx-api, a revoked device is also disconnected from EMQX, where the embedded broker cannot reach it.
  const emqxRevocations =
    config.emqxApi === undefined
      ? undefined
      : new EmqxRevocations(new EmqxClientKicker(config.emqxApi), logger);
  const connectionControl = {
    disconnectSource: (id: string) => {
      broker.disconnectSource(id);
      emqxRevocations?.revoke(id);
    },
  };
  const transports = new HubTransports(
    config,
    logger,
    (stream, remoteAddress) => broker.acceptConnection(stream, remoteAddress),
    maxPacketBytes,
  );

  /**
   * Starts; a start refused with a ConfigError (a taken port, say) stops what it began and removes what it
   * created in the data directory, so the next try starts as fresh as this one would have.
   */
  async function start(): Promise<RunningHub> {
    const existed = entriesOf(config.dataDir);
    try {
      return await startParts();
    } catch (error) {
      if (error instanceof ConfigError) {
        await stop().catch(() => {});
        removeCreated(config.dataDir, existed);
      }
      throw error;
    }
  }

  async function startParts(): Promise<RunningHub> {
    prepareDataDir(config.dataDir);
    // Before anything listens: a certificate file that cannot be used stops the start with one sentence.
    await transports.prepareCertificates();
    const keyFile = join(config.dataDir, SECRET_KEY_FILE);
    const secrets = loadSecretKey(keyFile);
    const store = await openStorage(config, secrets.box);
    storage = store;
    store.onDatabaseLost((reason) => storageHealth.failed(reason));
    store.writer.onFailure((err) => {
      const reason = `${err.message}: nothing is stored until the hub is restarted`;
      storageHealth.failed(reason);
      hubFailed(reason);
    });
    const aiidaId = await store.instance.aiidaId(randomUUID);
    if (!(await store.instance.secretKeyMatches())) {
      secrets.discardCreated();
      throw new ConfigError(
        `The key file ${keyFile} is not the one the secrets in ${DATABASE_FILE} were sealed with; put back the key file from the same backup as the database.`,
      );
    }
    const auth = new AdminAuth(store.admin, logger);
    sessionAlive = async (token) => (await auth.userOf(token)) !== undefined;
    const pendingAdmin = await auth.pendingAdmin(config.adminPassword);
    if (config.databaseUrl !== undefined) {
      // Before the broker listens: its connections are registered for the other instances from the first.
      // Its source sync reads every data source into the directory once it listens for changes.
      instances = await sharedDatabaseInstances({
        url: config.databaseUrl,
        storage: store as PostgresStorage,
        directory,
        dataSources: store.dataSources,
        disconnect: (id) => broker.disconnectSource(id),
        recordBus,
        feedbackBus,
        logger,
      });
    }
    const joined = instances;
    const mqttStreaming = (wiring: StreamingWiring) =>
      new MqttPermissionStreaming({
        store: store.sharingOutbox,
        // Records stored by any instance: a permission streams on one, its device may publish to another.
        records: joined.viewerRecords,
        onCommand: wiring.onCommand,
        logger: wiring.logger,
        options: { outboxMaxMessages: config.sharingOutboxMaxMessages },
        placement: joined.placement,
        watchSource: (id) => joined.watch(id),
      });
    const builtStreaming = (options.streaming ?? mqttStreaming)({
      onCommand: (permissionId, command) =>
        permissions ? permissions.handleCommand(permissionId, command) : Promise.resolve(),
      logger,
    });
    streaming = builtStreaming;
    const sharing = options.sharing ?? {};
    const permissionService = new PermissionService({
      permissions: store.permissions,
      dataSources: store.dataSources,
      handshake: new HttpHandshake(sharing.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS),
      streaming: builtStreaming,
      aiidaId,
      logger,
      ...(sharing.now !== undefined && { now: sharing.now }),
      ...(sharing.retry !== undefined && { retry: sharing.retry }),
      placement: joined.placement,
      ...(joined.lookForStepsEveryMs !== undefined && { lookForStepsEveryMs: joined.lookForStepsEveryMs }),
    });
    permissions = permissionService;
    service = new DataSourceService(
      store.dataSources,
      directory,
      connectionControl,
      () => brokerUrl,
      Date.now,
      (id) => permissionService.revokeSharing(id),
    );
    // On PostgreSQL the source sync (joined above) read every data source into the directory already.
    if (config.databaseUrl === undefined) await service.loadDirectory();
    pipeline = new IngestPipeline(
      store.writer,
      recordBus,
      (report) => {
        broker.sendFeedback(report.dataSourceId, report);
        // The device may be connected to either broker; each delivers only to that device's topic.
        deviceBroker?.sendFeedback(report.dataSourceId, report);
        feedbackBus.publish(report);
      },
      {
        maxPayloadBytes: config.maxPayloadBytes,
        rateLimitPerSecond: config.rateLimitPerSecond,
        maxFutureMs: config.maxFutureSkewSeconds * 1000,
        maxPastMs: config.maxPastDays * 86_400_000,
        commitBatchSize: config.commitBatchSize,
      },
    );
    if (config.deviceBroker !== undefined) {
      const ingest = pipeline;
      const consumer = new DeviceBrokerConsumer(
        {
          settings: config.deviceBroker,
          ...(options.deviceBrokerSessionExpirySeconds !== undefined && {
            sessionExpirySeconds: options.deviceBrokerSessionExpirySeconds,
          }),
        },
        (id) => directory.get(id)?.source,
        // Refusable: behind the broker a flood cannot be slowed at the device, only reported on its feedback topic.
        (source, payload) => ingest.ingest(source, payload, true),
        (id) => store.dataSources.get(id),
        logger,
      );
      deviceBroker = consumer;
      try {
        await consumer.start();
      } catch (error) {
        // A broker that cannot be used is a setting to fix: one sentence, and the start stops.
        if (error instanceof DeviceBrokerUnavailable) throw new ConfigError(error.message);
        throw error;
      }
    }
    const mqttPort = await listenOrExplain(
      // The other instances' session changes reach the broker's sessions before any device connects.
      () =>
        broker.listen(config.host, config.mqttPort, store.deviceSessions, (sessions) =>
          instances.joinSessions(sessions),
        ),
      `MQTT port ${config.mqttPort} on ${config.host}`,
      "--mqtt-port",
      config.mqttPort,
    );
    const mqttsPort = await listenOrExplain(
      () => transports.listenMqtts(),
      `MQTTS port ${config.mqttsPort} on ${config.host}`,
      "--mqtts-port",
      config.mqttsPort,
    );
    const shownHost = urlHost(config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host);
    // With TLS, devices are pointed at MQTTS, by the first name the certificate was made for.
    const deviceHost = urlHost(config.publicHosts[0] ?? shownHost);
    brokerUrl =
      config.publicMqttUrl ??
      (mqttsPort === undefined ? `mqtt://${shownHost}:${mqttPort}` : `mqtts://${deviceHost}:${mqttsPort}`);
    const app = buildHttpServer(
      {
        auth,
        dataSources: service,
        dataSourceStore: store.dataSources,
        permissions: permissionService,
        records: options.records ? options.records(store.records) : store.records,
        recordBus: instances.viewerRecords,
        feedbackBus: instances.viewerFeedback,
        watchLive: (id) => instances.watch(id),
        liveStreams,
        brokerUrl: () => brokerUrl,
        healthOf: (id, lastMessageAt) =>
          healthOf(broker.isConnected(id) || instances.connectedElsewhere(id), lastMessageAt, Date.now(), {
            hub: storageHealth.problem,
            rollup: storageHealth.rollupProblemOf(id),
            disabled: directory.get(id)?.source.enabled === false,
          }),
        hubProblem: () => storageHealth.problem,
        connectionsOf: (id) => broker.connectionsOf(id),
        sharingFlow: builtStreaming,
        version: HUB_VERSION,
        timeZone: config.timeZone,
        tls: () => transports.tlsInfo(),
        energyMaxGapSeconds: config.energyMaxGapSeconds,
      },
      logger,
    );
    http = app;
    transports.attachWebSocket(app.server);
    await listenOrExplain(
      () => app.listen({ host: config.host, port: config.httpPort }),
      `HTTP port ${config.httpPort} on ${config.host}`,
      "--http-port",
      config.httpPort,
    );
    // The same app answers on HTTPS: Fastify's routing is the handler its own server calls.
    const httpsPort = await listenOrExplain(
      () => transports.listenHttps((request, response) => app.routing(request, response)),
      `HTTPS port ${config.httpsPort} on ${config.host}`,
      "--https-port",
      config.httpsPort,
    );

    // Both ports are ours now; no request has been read yet, so the account exists before the first login.
    if (pendingAdmin) await auth.createAdmin(pendingAdmin);
    const address = app.server.address();
    const httpPort = typeof address === "object" && address ? address.port : config.httpPort;
    if (config.tls && !isLoopbackHost(config.host)) {
      logger.warn(
        "TLS is on, but the plain MQTT and HTTP ports also listen beyond this computer, unencrypted; bind them to 127.0.0.1 with --host unless devices need them",
        { host: config.host, mqttPort, httpPort },
      );
    }
    retention = new RetentionJob(
      instances.jobWriter(store.writer),
      config.retentionDays * 86_400_000,
      logger,
    );
    retention.start();
    rollup = new RollupJob(instances.jobWriter(store.writer), logger, (failing) =>
      storageHealth.rollupFailing(failing),
    );
    rollup.start();
    const lookup = (id: string) => permissionService.grantedById(id);
    await joined.startSharing({
      takeOver: async (belonging) => {
        await permissionService.resume(belonging);
        await builtStreaming.resumeFinishing(lookup, belonging);
      },
      letGo: async (belonging) => {
        permissionService.letGo(belonging);
        await builtStreaming.letGo(belonging);
      },
      look: async (id) => {
        await permissionService.look(id);
        await builtStreaming.finishedElsewhere(id, lookup);
      },
    });
    const caFolder = transports.caFolder;
    if (caFolder !== undefined) {
      logger.info("TLS uses the hub's private CA; devices trust its certificate", {
        caCertificate: join(caFolder, TLS_FILES.caCertificate),
        download: "/api/tls/ca-certificate",
      });
    }
    return {
      httpUrl: `http://${shownHost}:${httpPort}`,
      mqttUrl: `mqtt://${shownHost}:${mqttPort}`,
      httpPort,
      mqttPort,
      wsUrl: `ws://${shownHost}:${httpPort}/mqtt`,
      httpsUrl: httpsPort === undefined ? undefined : `https://${shownHost}:${httpsPort}`,
      mqttsUrl: mqttsPort === undefined ? undefined : `mqtts://${shownHost}:${mqttsPort}`,
      wssUrl: httpsPort === undefined ? undefined : `wss://${shownHost}:${httpsPort}/mqtt`,
      httpsPort,
      mqttsPort,
      generatedAdminPassword: pendingAdmin?.generatedPassword,
    };
  }

  async function stop(): Promise<void> {
    await retention?.stop();
    await rollup?.stop();
    await transports.closeWebAccess();
    await http?.close();
    await permissions?.stop();
    await streaming?.close();
    // The message being stored is acknowledged; those after it stay with the device broker for the next start.
    await deviceBroker?.stop();
    deviceBroker = undefined;
    await emqxRevocations?.settled();
    // Commit what was received before closing the broker, so nothing in flight is dropped.
    await pipeline?.drain();
    await broker.close();
    await transports.closeMqtts();
    await pipeline?.drain();
    await instances.stop();
    instances = singleInstance(recordBus, feedbackBus);
    await storage?.close();
    storage = undefined;
  }

  return {
    start,
    stop,
    failed,
    internals: {
      storage: () => {
        if (!storage) throw new Error("the hub is not started");
        return storage;
      },
      broker,
      deviceBroker: () => deviceBroker,
      dataSources: () => {
        if (!service) throw new Error("the hub is not started");
        return service;
      },
      permissions: () => {
        if (!permissions) throw new Error("the hub is not started");
        return permissions;
      },
      liveStreams,
      ingestWaiting: () => pipeline?.waiting ?? 0,
      checkCertificates: () => transports.checkCertificates(),
      rollUp: async () => {
        if (!rollup) throw new Error("the hub is not started");
        await rollup.runOnce();
      },
    },
  };
}

function loadSecretKey(file: string): LoadedSecretBox {
  try {
    return loadOrCreateSecretBox(file);
  } catch (error) {
    if (error instanceof SecretKeyFileError) throw new ConfigError(error.message);
    throw error;
  }
}

/** A host as URLs write it: an IPv6 address in brackets. */
function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** The names in a directory, or undefined when it does not exist. */
function entriesOf(dir: string): ReadonlySet<string> | undefined {
  return existsSync(dir) ? new Set(readdirSync(dir)) : undefined;
}

/** Removes what a refused start made in the data directory: the files that were not there, or the directory. */
function removeCreated(dir: string, existed: ReadonlySet<string> | undefined): void {
  if (!existsSync(dir)) return;
  if (existed === undefined) {
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  for (const name of readdirSync(dir)) {
    if (!existed.has(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

function prepareDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError(
      `The data directory ${dir} is not writable (${code}); choose another with --data-dir.`,
    );
  }
}

async function listenOrExplain<T>(
  listen: () => Promise<T>,
  what: string,
  flag: string,
  port: number,
): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw new ConfigError(
        `${what} is already in use; choose another with ${flag}, e.g. npm start -- ${flag} ${port + 1}.`,
      );
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
      throw new ConfigError(`${what} cannot be bound (${code}); check --host.`);
    }
    if (code === "EACCES")
      throw new ConfigError(`${what} needs more privileges (EACCES); choose a port above 1023 with ${flag}.`);
    throw err;
  }
}
