import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { DeviceDirectory } from "./broker/device-directory.ts";
import type { DeviceSessions } from "./broker/device-sessions.ts";
import { ConnectionRegistry } from "./cluster/connection-registry.ts";
import { LeaderLock } from "./cluster/leader-lock.ts";
import { PgNotifier } from "./cluster/pg-notifier.ts";
import { LeaderGatedWriter } from "./hub-cluster/leader-gated-writer.ts";
import { LiveRelay } from "./hub-cluster/live-relay.ts";
import { LiveWatchers } from "./hub-cluster/live-watchers.ts";
import { PermissionShards, type PermissionWork } from "./hub-cluster/permission-shards.ts";
import { RemoteConnections } from "./hub-cluster/remote-connections.ts";
import { SessionSync } from "./hub-cluster/session-sync.ts";
import { SourceSync } from "./hub-cluster/source-sync.ts";
import { FeedbackBus, RecordBus } from "./ingest/record-bus.ts";
import type { Logger } from "./platform/logger.ts";
import { ALONE, type PermissionPlacement } from "./sharing/sharing-ports.ts";
import type { DataSourceStore, RecordWriter } from "./storage/ports.ts";
import { DATA_SOURCE_CHANGES_CHANNEL } from "./storage/postgres/data-source-changes.ts";
import type { PostgresStorage } from "./storage/postgres/postgres-storage.ts";

/** Advisory lock key of the singleton jobs (retention, rollups): one instance runs them. */
const JOBS_LOCK_KEY = 0x41494a42; // "AIJB"

/** How long a starting instance waits to learn whether it leads the jobs (its first try takes milliseconds). */
const FIRST_LEAD_WAIT_MS = 1500;

/** With other instances, pending permission steps are looked for at least this often (one may die running one). */
const LOOK_FOR_STEPS_EVERY_MS = 5000;

/** What the hub does differently when it may be one of several instances, and what it is on its own. */
export interface Instances {
  /** Runs retention and rollup steps: on one instance only when several share the database. */
  jobWriter(writer: RecordWriter): RecordWriter;
  /** Whether a device of the data source is connected to another instance. */
  connectedElsewhere(dataSourceId: string): boolean;
  /** The broker's connection events, mirrored for the other instances. */
  connected(dataSourceId: string): void;
  disconnected(dataSourceId: string): void;
  /** What live viewers see: this instance's records and reports, and those of the others. */
  readonly viewerRecords: RecordBus;
  readonly viewerFeedback: FeedbackBus;
  /** A live viewer of a data source (or of every one) opened; returns what its end calls. */
  watch(dataSourceId: string | "all"): () => void;
  /** Which instance looks after a permission (its timers, its stream). */
  readonly placement: PermissionPlacement;
  /** How often pending permission steps are looked for at least (undefined: only when one comes due). */
  readonly lookForStepsEveryMs: number | undefined;
  /** Starts the permissions' work: alone, all of it now; with others, a shard at a time as it is taken. */
  startSharing(work: PermissionWork): Promise<void>;
  /** Loads the broker's device sessions and, with other instances, keeps them in step with theirs (issue 15). */
  joinSessions(sessions: DeviceSessions): Promise<void>;
  stop(): Promise<void>;
}

/** A hub alone on its database (SQLite): its own records are all there is. */
export function singleInstance(recordBus: RecordBus, feedbackBus: FeedbackBus): Instances {
  return {
    jobWriter: (writer) => writer,
    connectedElsewhere: () => false,
    connected: () => {},
    disconnected: () => {},
    viewerRecords: recordBus,
    viewerFeedback: feedbackBus,
    watch: () => () => {},
    placement: ALONE,
    lookForStepsEveryMs: undefined,
    startSharing: (work) => work.takeOver(() => true),
    joinSessions: (sessions) => sessions.load(),
    stop: async () => {},
  };
}

/** What joining the other instances on one PostgreSQL database needs. */
export interface SharedDatabase {
  readonly url: string;
  readonly storage: PostgresStorage;
  readonly directory: DeviceDirectory;
  readonly dataSources: DataSourceStore;
  /** Ends the device connections of a data source on this instance. */
  readonly disconnect: (dataSourceId: string) => void;
  readonly recordBus: RecordBus;
  readonly feedbackBus: FeedbackBus;
  readonly logger: Logger;
}

/**
 * Joins the other hub instances on the same PostgreSQL database, coordinating only through it: data
 * source changes reach every instance's broker (NOTIFY), connections are registered with heartbeats,
 * live records reach viewers on other instances, and the singleton jobs run under one leader lock.
 */
export async function sharedDatabaseInstances(shared: SharedDatabase): Promise<Instances> {
  const { url, storage, logger } = shared;
  const instanceId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const started: { stop(): Promise<void> }[] = [];
  try {
    const notifier = new PgNotifier({ url, pool: storage.pool, applicationName: "aiida-hub listen", logger });
    await notifier.start();
    started.push(notifier);
    const ds = shared.dataSources;
    const sourceSync = new SourceSync({
      notifier,
      channel: DATA_SOURCE_CHANGES_CHANNEL,
      directory: shared.directory,
      disconnect: shared.disconnect,
      logger,
      catalog: {
        get: (id) => ds.get(id),
        list: () => ds.list(),
        credentials: () => ds.credentials(),
        credential: (id) => ds.credential(id),
      },
    });
    await sourceSync.start();
    started.push(sourceSync);
    const registry = new ConnectionRegistry({ pool: storage.pool, instanceId, logger });
    await registry.start();
    started.push(registry);
    const remote = new RemoteConnections({ registry, logger });
    await remote.start();
    started.push(remote);
    const viewerRecords = new RecordBus(logger);
    const viewerFeedback = new FeedbackBus(logger);
    // This instance's own records reach its viewers as before; the relay adds the other instances'.
    const offRecords = shared.recordBus.subscribe((r) => viewerRecords.publish(r));
    const offFeedback = shared.feedbackBus.subscribe((f) => viewerFeedback.publish(f));
    let relay: LiveRelay | undefined;
    const watchers = new LiveWatchers(() => void relay?.announce());
    relay = new LiveRelay({
      notifier,
      records: shared.recordBus,
      feedback: shared.feedbackBus,
      viewerRecords,
      viewerFeedback,
      watchedHere: () => watchers.watchedHere(),
      logger,
    });
    await relay.start();
    started.push(relay);
    let leading: () => void = () => {};
    const firstLead = new Promise<void>((resolve) => {
      leading = resolve;
    });
    const jobs = new LeaderLock({
      url,
      key: JOBS_LOCK_KEY,
      holder: instanceId,
      logger,
      onAcquired: (term) => {
        logger.info("this instance runs the retention and rollup jobs", { instanceId, term });
        leading();
      },
      onLost: (reason) =>
        logger.warn("this instance no longer runs the retention and rollup jobs", { instanceId, reason }),
    });
    jobs.start();
    started.push(jobs);
    // The first instance on a database leads from its start; a later one stands by after its first try.
    await Promise.race([
      firstLead,
      new Promise((resolve) => setTimeout(resolve, FIRST_LEAD_WAIT_MS).unref()),
    ]);
    const permissionShards = new PermissionShards({ url, holder: instanceId, notifier, logger });
    started.push(permissionShards);
    logger.info("joined the hub instances on the shared database", { instanceId });
    let sessionSync: SessionSync | undefined;
    return {
      jobWriter: (writer) => new LeaderGatedWriter(writer, jobs),
      connectedElsewhere: (id) => remote.connectedElsewhere(id),
      connected: (id) => remote.connected(id),
      disconnected: (id) => remote.disconnected(id),
      viewerRecords,
      viewerFeedback,
      watch: (id) => (id === "all" ? watchers.watchAll() : watchers.watch(id)),
      placement: permissionShards,
      lookForStepsEveryMs: LOOK_FOR_STEPS_EVERY_MS,
      startSharing: (work) => permissionShards.start(work),
      joinSessions: async (sessions) => {
        const store = storage.deviceSessions;
        sessionSync = new SessionSync({
          notifier,
          instanceId,
          sessions,
          readSession: async (clientId) => (await store.all()).find((s) => s.clientId === clientId),
          logger,
        });
        await sessionSync.start();
      },
      stop: async () => {
        // Before the notifier it announces through stops.
        await sessionSync?.stop();
        offRecords();
        offFeedback();
        await stopAll(started);
      },
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

/** Stops what was started, newest first; one that fails does not keep the others running. */
async function stopAll(started: readonly { stop(): Promise<void> }[]): Promise<void> {
  for (const part of [...started].reverse()) await part.stop().catch(() => {});
}
