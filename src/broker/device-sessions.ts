import type { Logger } from "../platform/logger.ts";
import type { DeviceSessionRecord, DeviceSessionStore, QueuedFeedback } from "../storage/ports.ts";

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

/** A committed change of one session, as another hub instance on the same database needs to learn it. */
export type SessionChange =
  | {
      /** The session was written; `connected`: a connection of the instance that wrote it holds it. */
      readonly kind: "saved";
      readonly record: DeviceSessionRecord;
      readonly connected: boolean;
    }
  | {
      /**
       * A connection took the session (written first when it outlives the connection): one of the same
       * client id elsewhere is taken over. `resumed`: the previous session went on (no clean start);
       * `persisted`: the database holds the session; `number` tells the instance's attaches apart.
       */
      readonly kind: "attached";
      readonly record: DeviceSessionRecord;
      readonly resumed: boolean;
      readonly persisted: boolean;
      readonly number: number;
    }
  | { readonly kind: "removed"; readonly clientId: string };

/** Told each change once the store committed it, in the order of the client id's store calls. */
export interface SessionChangeObserver {
  committed(change: SessionChange): Promise<void>;
}

interface Session {
  readonly clientId: string;
  readonly sourceId: string;
  feedbackQos: 0 | 1 | 2 | null;
  expiryMs: number | null;
  connection: SessionConnection | undefined;
  /** Whether the database holds this session (only sessions that outlive their connection are written). */
  persisted: boolean;
  /** Held by a connection to another hub instance: feedback made here is neither sent nor queued for it. */
  elsewhere: boolean;
  /**
   * The number of the local connection's attach while its announcement has not come back to this
   * instance: an attach elsewhere announced before it is the older one and takes nothing over.
   */
  unseenAttach?: number | undefined;
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
  /** Other hub instances on the same database, when there are any. */
  private observer: SessionChangeObserver | undefined;
  /** Attaches announced so far. */
  private attaches = 0;

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
        elsewhere: false,
      });
    }
  }

  /** Tells `observer` every committed change from now on (undefined: no one any more). */
  observe(observer: SessionChangeObserver | undefined): void {
    this.observer = observer;
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
    const live = existing?.connection !== undefined;
    const carried = existing?.connection ? existing.connection.takeOver() : [];
    if (existing) existing.connection = undefined;
    // Another instance's session that was never written (clean) cannot be resumed here: its state is there.
    const resumable = existing !== undefined && (existing.persisted || live);
    if (!existing || !resumable || existing.sourceId !== start.sourceId || start.cleanStart) {
      if (existing) this.end(existing);
      const session: Session = {
        ...start,
        feedbackQos: null,
        connection,
        persisted: false,
        elsewhere: false,
      };
      this.add(session);
      this.persist(session, this.attachAnnouncement(session, false));
      return { sessionPresent: false, feedbackQos: null, waiting: Promise.resolve([]) };
    }
    existing.connection = connection;
    existing.elsewhere = false;
    existing.expiryMs = start.expiryMs;
    this.persist(existing, this.attachAnnouncement(existing, true));
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
      else if (!session.elsewhere) this.enqueue(session, [payload]);
    }
  }

  /** Ends sessions whose time is up and those of deleted data sources. Never rejects: failures are logged. */
  async sweep(): Promise<void> {
    const expired =
      (await this.safely("end expired sessions", () => this.store.removeExpired(this.now()))) ?? [];
    for (const clientId of expired) {
      const session = this.sessions.get(clientId);
      if (!session || session.connection) continue;
      this.forget(session);
      this.announce({ kind: "removed", clientId });
    }
    for (const session of [...this.sessions.values()]) {
      if (!session.connection && !this.sourceExists(session.sourceId)) this.end(session);
    }
  }

  /**
   * Applies a change another hub instance committed. A session a connection here holds stays as this
   * instance has it, unless a connection elsewhere took it: then this one ends as in a take-over, and what
   * it had not delivered is queued in the store, as when a device goes away.
   */
  applyRemote(change: SessionChange): void {
    if (change.kind === "removed") {
      const session = this.sessions.get(change.clientId);
      // This instance writes a session its connection holds again when the connection ends.
      if (session && !session.connection) this.forget(session);
      return;
    }
    const { record } = change;
    const local = this.sessions.get(record.clientId);
    if (change.kind === "saved") {
      if (!local?.connection) this.mirror(record, change.connected);
      return;
    }
    if (local?.connection) {
      // Announced before this instance's own attach came back: that one is newer and keeps the session.
      if (local.unseenAttach !== undefined) return;
      const undelivered = local.connection.takeOver();
      local.connection = undefined;
      const kept = change.resumed && local.sourceId === record.dataSourceId && local.feedbackQos !== null;
      const fresh = undelivered.filter((item) => item.storeId === undefined).map((item) => item.payload);
      if (kept && fresh.length > 0) this.enqueue(local, fresh);
    }
    if (change.persisted) {
      this.mirror(record, true);
      return;
    }
    // Kept in the other instance's memory only: here it just holds the client id for its data source.
    if (local) this.forget(local);
    this.add({
      clientId: record.clientId,
      sourceId: record.dataSourceId,
      feedbackQos: null,
      expiryMs: 0,
      connection: undefined,
      persisted: false,
      elsewhere: true,
    });
  }

  /** This instance's announcement of an attach came back: attaches announced after it take it over. */
  echoed(clientId: string, number: number): void {
    const session = this.sessions.get(clientId);
    if (session?.unseenAttach === number) session.unseenAttach = undefined;
  }

  /**
   * Reads every kept session again (what changes announced while the listen session was lost left out);
   * sessions a connection here holds, and those with a store call still running, stay as they are.
   * Resolves false when the store could not be read.
   */
  async reload(): Promise<boolean> {
    const records = await this.safely("read device sessions again", () => this.store.all());
    if (!records) return false;
    // Announcements lost with the listen session will not come back.
    for (const session of this.sessions.values()) session.unseenAttach = undefined;
    const stored = new Set<string>();
    for (const record of records) {
      stored.add(record.clientId);
      const local = this.sessions.get(record.clientId);
      if (local?.connection || this.tails.has(record.clientId)) continue;
      // Whether another instance holds it is not in the store: feedback queued meanwhile waits there.
      this.mirror(record, false);
    }
    for (const session of [...this.sessions.values()]) {
      if (session.connection || stored.has(session.clientId) || this.tails.has(session.clientId)) continue;
      this.forget(session);
    }
    return true;
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

  /**
   * Writes a session that outlives its connection (one that does not is kept in memory only), then
   * announces it; `attach` when a connection has just taken it.
   */
  private persist(session: Session, attach?: { resumed: boolean; number: number }): void {
    const expiresAt = session.expiryMs === null ? null : this.now() + session.expiryMs;
    const record = {
      clientId: session.clientId,
      dataSourceId: session.sourceId,
      feedbackQos: session.feedbackQos,
      expiresAt,
    };
    const kept = session.expiryMs !== 0;
    if (kept) session.persisted = true;
    const change: SessionChange = attach
      ? {
          kind: "attached",
          record,
          resumed: attach.resumed,
          persisted: session.persisted,
          number: attach.number,
        }
      : { kind: "saved", record, connected: session.connection !== undefined };
    if (!kept) {
      if (attach) this.announce(change);
      return;
    }
    void this.inOrder(session.clientId, "save device session", async () => {
      await this.store.save(record);
      // Only now: another instance that reads the row on this news finds it.
      await this.tell(change);
    });
  }

  /** Announces a change after the client id's store calls asked for so far. */
  private announce(change: SessionChange): void {
    if (!this.observer) return;
    const clientId = change.kind === "removed" ? change.clientId : change.record.clientId;
    void this.inOrder(clientId, "announce a device session change", () => this.tell(change));
  }

  /** Numbers a connection's attach; it is unseen until its announcement comes back. */
  private attachAnnouncement(session: Session, resumed: boolean): { resumed: boolean; number: number } {
    const number = ++this.attaches;
    session.unseenAttach = this.observer ? number : undefined;
    return { resumed, number };
  }

  /** Tells the observer of a change; never rejects (a failure is logged). */
  private async tell(change: SessionChange): Promise<void> {
    const observer = this.observer;
    if (!observer) return;
    const told = await this.safely("announce a device session change", async () => {
      await observer.committed(change);
      return true;
    });
    // Never coming back, it must not keep a later attach elsewhere from taking the connection over.
    if (!told && change.kind === "attached") this.echoed(change.record.clientId, change.number);
  }

  /** Takes another instance's session into memory, without a connection here. */
  private mirror(record: DeviceSessionRecord, elsewhere: boolean): void {
    const expiryMs = record.expiresAt === null ? null : Math.max(1, record.expiresAt - this.now());
    const local = this.sessions.get(record.clientId);
    if (local && local.sourceId === record.dataSourceId) {
      local.feedbackQos = record.feedbackQos;
      local.expiryMs = expiryMs;
      local.persisted = true;
      local.elsewhere = elsewhere;
      return;
    }
    if (local) this.forget(local);
    this.add({
      clientId: record.clientId,
      sourceId: record.dataSourceId,
      feedbackQos: record.feedbackQos,
      expiryMs,
      connection: undefined,
      persisted: true,
      elsewhere,
    });
  }

  private add(session: Session): void {
    this.sessions.set(session.clientId, session);
    const ofSource = this.bySource.get(session.sourceId) ?? new Set<Session>();
    ofSource.add(session);
    this.bySource.set(session.sourceId, ofSource);
  }

  private end(session: Session): void {
    this.forget(session);
    const removed: SessionChange = { kind: "removed", clientId: session.clientId };
    if (!session.persisted) {
      this.announce(removed);
      return;
    }
    void this.inOrder(session.clientId, "remove device session", async () => {
      await this.store.remove(session.clientId);
      await this.tell(removed);
    });
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
