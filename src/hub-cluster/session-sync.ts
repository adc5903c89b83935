import type { DeviceSessions, SessionChange, SessionChangeObserver } from "../broker/device-sessions.ts";
import { MAX_NOTIFY_PAYLOAD_BYTES } from "../cluster/notify-payload.ts";
import type { NotificationListener } from "../cluster/pg-notifier.ts";
import type { Logger } from "../platform/logger.ts";
import type { DeviceSessionRecord } from "../storage/ports.ts";

/** The channel every instance announces its committed device session changes on. */
export const DEVICE_SESSION_CHANNEL = "aiida_device_session";

/** PgNotifier: listening and sending. */
export interface SessionNotifier {
  listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
}

export type SyncedSessions = Pick<DeviceSessions, "observe" | "applyRemote" | "reload" | "echoed">;

export interface SessionSyncOptions {
  readonly notifier: SessionNotifier;
  /** This instance's id: its own announcements come back to it and are not applied again. */
  readonly instanceId: string;
  readonly sessions: SyncedSessions;
  /** Reads one kept session: for an announcement that was too long to carry the session's fields. */
  readonly readSession: (clientId: string) => Promise<DeviceSessionRecord | undefined>;
  /** Default DEVICE_SESSION_CHANNEL. */
  readonly channel?: string;
  /** Longest payload sent with every field (default PostgreSQL's limit); smaller in tests. */
  readonly maxPayloadBytes?: number;
  /** Wait before reading the sessions again after the store failed to answer (default 1 s). */
  readonly retryDelayMs?: number;
  readonly logger?: Logger;
}

/** A change as sent: short keys, since every session change of every instance goes through one channel. */
interface Announcement {
  /** The instance that committed the change. */
  readonly i: string;
  readonly k: SessionChange["kind"];
  /** Client id. */
  readonly c: string;
  /** Data source id, feedback QoS and expiry (epoch ms); q and e left out when they did not fit. */
  readonly d?: string;
  readonly q?: 0 | 1 | 2 | null;
  readonly e?: number | null;
  /** Saved: a connection of the sending instance holds the session. */
  readonly h?: boolean;
  /** Attached: the session was resumed; the database holds it; the attach's number on its instance. */
  readonly r?: boolean;
  readonly p?: boolean;
  readonly n?: number;
}

type Pending = Announcement | "reload";

/**
 * Keeps this instance's device sessions in step with those of the other instances on the database:
 * each committed change is announced with its fields, and the others' are applied to memory one after
 * the other, in the order they arrive. After the listen session was lost, every session is read again.
 */
export class SessionSync implements SessionChangeObserver {
  readonly #options: SessionSyncOptions;
  readonly #channel: string;
  readonly #pending: Pending[] = [];
  #draining: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #running = false;

  constructor(options: SessionSyncOptions) {
    this.#options = options;
    this.#channel = options.channel ?? DEVICE_SESSION_CHANNEL;
  }

  /** Listens, announces this instance's changes, then reads every session once (what came before the LISTEN). */
  async start(): Promise<void> {
    this.#running = true;
    try {
      this.#unlisten = await this.#options.notifier.listen(this.#channel, {
        onMessage: (payload) => this.#received(payload),
        onMissed: () => this.#add("reload"),
      });
    } catch (error) {
      this.#running = false;
      throw error;
    }
    this.#options.sessions.observe(this);
    this.#add("reload");
    await this.settled();
  }

  /** Sends a change this instance committed (DeviceSessions calls it). */
  async committed(change: SessionChange): Promise<void> {
    await this.#options.notifier.notify(this.#channel, this.#encode(change));
  }

  /** Resolves once every announcement received so far is applied (or waits for a retry). */
  async settled(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#options.sessions.observe(undefined);
    clearTimeout(this.#retryTimer);
    await this.#unlisten?.();
    this.#unlisten = undefined;
    await this.settled();
  }

  #encode(change: SessionChange): string {
    const i = this.#options.instanceId;
    if (change.kind === "removed") return JSON.stringify({ i, k: change.kind, c: change.clientId });
    const { clientId: c, dataSourceId: d, feedbackQos: q, expiresAt: e } = change.record;
    const flags =
      change.kind === "saved"
        ? { h: change.connected }
        : { r: change.resumed, p: change.persisted, n: change.number };
    const full = JSON.stringify({ i, k: change.kind, c, d, q, e, ...flags });
    const max = this.#options.maxPayloadBytes ?? MAX_NOTIFY_PAYLOAD_BYTES;
    if (Buffer.byteLength(full, "utf8") <= max) return full;
    // The receiver reads the rest of the row from the store.
    return JSON.stringify({ i, k: change.kind, c, d, ...flags });
  }

  #received(payload: string): void {
    let announcement: Announcement;
    try {
      announcement = JSON.parse(payload) as Announcement;
    } catch {
      this.#options.logger?.warn("a device session announcement that is not JSON was ignored", {
        payload: payload.slice(0, 200),
      });
      return;
    }
    // Of its own, only an attach matters (its coming back orders it among the others'); in line with them.
    if (announcement.i === this.#options.instanceId && announcement.k !== "attached") return;
    this.#add(announcement);
  }

  #add(pending: Pending): void {
    this.#pending.push(pending);
    this.#kick();
  }

  #kick(): void {
    if (this.#draining || this.#retryTimer || !this.#running) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      // One that arrived after the drain's last look, while it was ending, would wait for the next.
      if (this.#pending.length > 0) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#running && this.#pending.length > 0) {
      const next = this.#pending[0] as Pending;
      if (next === "reload") {
        if (!(await this.#options.sessions.reload())) {
          this.#retryLater();
          return;
        }
      } else if (next.i === this.#options.instanceId) {
        this.#options.sessions.echoed(next.c, next.n ?? 0);
      } else {
        const change = await this.#decode(next).catch((error: Error) => {
          this.#options.logger?.warn("a device session announcement could not be applied", {
            reason: error.message,
          });
          return undefined;
        });
        if (change) this.#options.sessions.applyRemote(change);
      }
      this.#pending.shift();
    }
  }

  async #decode(a: Announcement): Promise<SessionChange> {
    if (a.k === "removed") return { kind: "removed", clientId: a.c };
    const dataSourceId = a.d as string;
    let record: DeviceSessionRecord | undefined = {
      clientId: a.c,
      dataSourceId,
      feedbackQos: a.q ?? null,
      expiresAt: a.e ?? null,
    };
    if (a.q === undefined) record = await this.#options.readSession(a.c);
    // Gone again meanwhile: a removal is on its way, or (attached) the session is not kept.
    if (!record && a.k === "saved") return { kind: "removed", clientId: a.c };
    const kept = record !== undefined;
    record ??= { clientId: a.c, dataSourceId, feedbackQos: null, expiresAt: null };
    if (a.k === "saved") return { kind: "saved", record, connected: a.h === true };
    const persisted = a.p === true && kept;
    return { kind: "attached", record, resumed: a.r === true, persisted, number: a.n ?? 0 };
  }

  #retryLater(): void {
    this.#options.logger?.warn("device sessions could not be read again; trying again");
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#kick();
    }, this.#options.retryDelayMs ?? 1000);
  }
}
