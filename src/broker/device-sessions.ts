import type { Logger } from "../platform/logger.ts";
import type { DeviceSessionStore, QueuedFeedback } from "../storage/ports.ts";

/** Most feedback reports kept for one data source's sessions while its device is away. */
export const MAX_QUEUED_FEEDBACK = 50;

/** A feedback report on its way to a device; `storeId` is set when it is queued in the database. */
export interface FeedbackItem {
  readonly payload: Buffer;
  readonly storeId: number | undefined;
}

/** What the session registry needs of a live connection. */
export interface SessionConnection {
  /** Sends one feedback report to the device at the QoS of its subscription. */
  sendFeedback(item: FeedbackItem): void;
  /** Ends the connection because a new one took its session over; returns the reports it had not delivered. */
  takeOver(): FeedbackItem[];
}

/** How a connection starts its session. */
export interface SessionStart {
  readonly clientId: string;
  readonly sourceId: string;
  /** MQTT 3.x clean session / MQTT 5 clean start: the previous session is discarded. */
  readonly cleanStart: boolean;
  /** How long the session outlives the connection: 0 not at all, null for ever (3.x clean=false). */
  readonly expiryMs: number | null;
}

/** What a connection resumes. */
export interface ResumedSession {
  readonly sessionPresent: boolean;
  readonly feedbackQos: 0 | 1 | 2 | null;
  /**
   * Feedback that waited for the device, oldest first, once the store has read it (never rejects): the
   * connection sends it before any report that comes live meanwhile.
   */
  readonly waiting: Promise<readonly FeedbackItem[]>;
}

interface Session {
  readonly clientId: string;
  readonly sourceId: string;
  feedbackQos: 0 | 1 | 2 | null;
  expiryMs: number | null;
  connection: SessionConnection | undefined;
  /** Whether the database holds this session (only sessions that outlive their connection are written). */
  persisted: boolean;
}

/**
 * The devices' MQTT sessions: which client id belongs to which data source, the feedback subscription,
 * and, for sessions that outlive their connection, the feedback queued in the database until the device
 * comes back, across hub restarts too. A client id belongs to one data source while a session of it
 * exists, so no device can take over another's session or queued reports.
 */
export class DeviceSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly bySource = new Map<string, Set<Session>>();
  /**
   * The last store call of each client id still running: the next one waits for it, so the store sees a
   * client's changes in the order they were made in memory (and a read sees every write before it).
   */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: DeviceSessionStore,
    /** Tells whether a data source still exists: a deleted one's client ids are free again. */
    private readonly sourceExists: (sourceId: string) => boolean,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Loads the sessions kept by the previous run. */
  async load(): Promise<void> {
    const kept = (await this.safely("load device sessions", () => this.store.all())) ?? [];
    for (const record of kept) {
      this.add({
        clientId: record.clientId,
        sourceId: record.dataSourceId,
        feedbackQos: record.feedbackQos,
        expiryMs: record.expiresAt === null ? null : Math.max(1, record.expiresAt - this.now()),
        connection: undefined,
        persisted: true,
      });
    }
  }

  /** False when the client id belongs to another data source's session. */
  mayUse(clientId: string, sourceId: string): boolean {
    const session = this.sessions.get(clientId);
    if (!session || session.sourceId === sourceId) return true;
    if (this.sourceExists(session.sourceId)) return false;
    this.end(session);
    return true;
  }

  /** Binds a connection to its session, taking the session over from an older connection. */
  attach(connection: SessionConnection, start: SessionStart): ResumedSession {
    const existing = this.sessions.get(start.clientId);
    const carried = existing?.connection ? existing.connection.takeOver() : [];
    if (existing) existing.connection = undefined;
    if (!existing || existing.sourceId !== start.sourceId || start.cleanStart) {
      if (existing) this.end(existing);
      const session: Session = { ...start, feedbackQos: null, connection, persisted: false };
      this.add(session);
      this.persist(session);
      return { sessionPresent: false, feedbackQos: null, waiting: Promise.resolve([]) };
    }
    existing.connection = connection;
    existing.expiryMs = start.expiryMs;
    this.persist(existing);
    const fresh = carried.filter((item) => item.storeId === undefined);
    const waiting = this.inOrder(start.clientId, "read queued feedback", () =>
      this.store.queued(start.clientId),
    ).then((stored) => [...(stored ?? []).map(fromStore), ...fresh]);
    return { sessionPresent: true, feedbackQos: existing.feedbackQos, waiting };
  }

  /** The connection has ended; a session that outlives it keeps what was not delivered. */
  detach(connection: SessionConnection, clientId: string, undelivered: readonly FeedbackItem[]): void {
    const session = this.sessions.get(clientId);
    if (session?.connection !== connection) return;
    session.connection = undefined;
    if (session.expiryMs === 0) {
      this.end(session);
      return;
    }
    this.persist(session);
    if (session.feedbackQos === null) return;
    const fresh = undelivered.filter((item) => item.storeId === undefined).map((item) => item.payload);
    if (fresh.length > 0) this.enqueue(session, fresh);
  }

  /** MQTT 5 DISCONNECT may change how long the session outlives the connection. */
  setExpiry(clientId: string, expiryMs: number | null): void {
    const session = this.sessions.get(clientId);
    if (session) session.expiryMs = expiryMs;
  }

  subscribe(clientId: string, qos: 0 | 1 | 2 | null): void {
    const session = this.sessions.get(clientId);
    if (!session) return;
    session.feedbackQos = qos;
    this.persist(session);
  }

  /** Feedback queued in the database reached the device. */
  delivered(clientId: string, storeId: number): void {
    void this.inOrder(clientId, "remove delivered feedback", () => this.store.delivered(clientId, [storeId]));
  }

  /**
   * Hands a report to every subscribed session of the data source: live, or queued until it is back.
   * `encode` runs at most once, and not at all for the many devices that never subscribe to feedback.
   */
  deliver(sourceId: string, encode: () => Buffer): void {
    let payload: Buffer | undefined;
    for (const session of this.bySource.get(sourceId) ?? []) {
      if (session.feedbackQos === null) continue;
      payload ??= encode();
      if (session.connection) session.connection.sendFeedback({ payload, storeId: undefined });
      else this.enqueue(session, [payload]);
    }
  }

  /** Ends sessions whose time is up and those of deleted data sources. Never rejects: failures are logged. */
  async sweep(): Promise<void> {
    const expired =
      (await this.safely("end expired sessions", () => this.store.removeExpired(this.now()))) ?? [];
    for (const clientId of expired) {
      const session = this.sessions.get(clientId);
      if (session && !session.connection) this.forget(session);
    }
    for (const session of [...this.sessions.values()]) {
      if (!session.connection && !this.sourceExists(session.sourceId)) this.end(session);
    }
  }

  /** Sessions held in memory (live and waiting), for tests and benchmarks. */
  get size(): number {
    return this.sessions.size;
  }

  /** Resolves once every store call asked for so far has ended (at stop, before the store closes; tests). */
  async settled(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }

  private enqueue(session: Session, payloads: Buffer[]): void {
    void this.inOrder(session.clientId, "queue feedback", () =>
      this.store.enqueue(session.clientId, payloads, MAX_QUEUED_FEEDBACK),
    ).then((dropped) => {
      if (dropped)
        this.logger.info("oldest queued feedback dropped for a device that is away", {
          dataSource: session.sourceId,
          dropped,
        });
    });
  }

  /** Writes a session that outlives its connection; one that does not is kept in memory only. */
  private persist(session: Session): void {
    if (session.expiryMs === 0) return;
    session.persisted = true;
    const expiresAt = session.expiryMs === null ? null : this.now() + session.expiryMs;
    const record = {
      clientId: session.clientId,
      dataSourceId: session.sourceId,
      feedbackQos: session.feedbackQos,
      expiresAt,
    };
    void this.inOrder(session.clientId, "save device session", () => this.store.save(record));
  }

  private add(session: Session): void {
    this.sessions.set(session.clientId, session);
    const ofSource = this.bySource.get(session.sourceId) ?? new Set<Session>();
    ofSource.add(session);
    this.bySource.set(session.sourceId, ofSource);
  }

  private end(session: Session): void {
    this.forget(session);
    if (session.persisted)
      void this.inOrder(session.clientId, "remove device session", () => this.store.remove(session.clientId));
  }

  private forget(session: Session): void {
    if (this.sessions.get(session.clientId) === session) this.sessions.delete(session.clientId);
    const ofSource = this.bySource.get(session.sourceId);
    ofSource?.delete(session);
    if (ofSource?.size === 0) this.bySource.delete(session.sourceId);
  }

  /**
   * Runs a store call of one client id after the ones before it (at once when none is running); never
   * rejects, so no caller can leave a rejection unhandled: a failure is logged and answers undefined.
   */
  private inOrder<T>(clientId: string, what: string, action: () => Promise<T>): Promise<T | undefined> {
    const previous = this.tails.get(clientId);
    const result =
      previous === undefined ? this.safely(what, action) : previous.then(() => this.safely(what, action));
    this.tails.set(clientId, result);
    void result.then(() => {
      if (this.tails.get(clientId) === result) this.tails.delete(clientId);
    });
    return result;
  }

  /** A session store failure (a lost or full database) must not break the connection it happened on. */
  private async safely<T>(what: string, action: () => Promise<T>): Promise<T | undefined> {
    try {
      return await action();
    } catch (error) {
      this.logger.error(`could not ${what}`, { error: String(error) });
      return undefined;
    }
  }
}

function fromStore(queued: QueuedFeedback): FeedbackItem {
  return { payload: queued.payload, storeId: queued.id };
}
