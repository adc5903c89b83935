import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { DiskReserve } from "./disk-reserve.ts";

/** A reading waiting in the queue: its payload exactly as it will be published. */
export interface QueuedReading {
  /** Position in the queue; increases with every append and is never reused. */
  readonly seq: number;
  readonly payload: string;
  /** The reading's own time, epoch ms. */
  readonly readingTime: number;
}

/** What an append did: the new reading's seq, and which of the oldest readings made room for it. */
export interface AppendOutcome {
  readonly seq: number;
  /** Oldest readings dropped to stay within the size limit. */
  readonly dropped: number;
  /** Oldest readings dropped because the disk was full. */
  readonly droppedForSpace: number;
  /** The disk had been full and has room again: the queue is back to its size limit. */
  readonly diskHasRoomAgain: boolean;
}

/** Why an acknowledged reading is still on disk; it is remembered and never handed out again. */
export interface DeleteFailure {
  readonly diskFull: boolean;
  readonly message: string;
  /** Acknowledged readings waiting to be deleted, this one included. */
  readonly waiting: number;
}

/** Options of a queue file beyond its size limit. */
export interface QueueFileOptions {
  /**
   * Most pages the file may hold (SQLite's max_page_count); reaching it looks to the queue exactly like a
   * full disk. Unlimited when absent.
   */
  readonly maxPages?: number;
}

/** Thrown when another process holds the queue (a second publisher for the same data source). */
export class QueueLockedError extends Error {}

/**
 * Thrown by append when the disk is full and dropping the oldest readings could not make room: the reading
 * is not queued. The message says why ("nothing in the queue to drop").
 */
export class QueueDiskFullError extends Error {
  constructor(
    message: string,
    /** Oldest readings dropped (and counted) while trying. */
    readonly droppedForSpace: number,
  ) {
    super(message);
  }
}

/** Path prefix of a data source's files in a state directory (characters unsafe in file names become "_"). */
export function stateFilePrefix(stateDir: string, dataSourceId: string): string {
  return join(stateDir, dataSourceId.replace(/[^A-Za-z0-9._-]/g, "_"));
}

/** The queue file of a data source in a state directory. */
export function queueFilePath(stateDir: string, dataSourceId: string): string {
  return `${stateFilePrefix(stateDir, dataSourceId)}.queue.sqlite`;
}

/** Disk space held back beside the queue file, given to SQLite when the disk is full. */
export const DISK_RESERVE_BYTES = 1024 * 1024;

/** Most readings dropped at once to make room on a full disk: only whole pages freed by old rows take new ones. */
const ROOM_BATCH = 100;

/**
 * Once deletes fail, acknowledgements only remember their reading; every this many, they try the deletes
 * again (as does every append), so a backlog flush on a full disk does not retry them at every one.
 */
const DELETE_RETRY_EVERY = 100;

function isDiskFull(error: unknown): boolean {
  return (error as { code?: unknown }).code === "SQLITE_FULL";
}

/**
 * The on-disk queue between reading and publishing. Every reading is committed (WAL, synchronous=FULL)
 * before anyone tries to send it and is deleted only once the broker acknowledged it, so a crash or a
 * kill loses nothing that was read. When full, the oldest readings are dropped to make room: the newest
 * data is worth most to a live hub, and the drop is counted and reported. A full disk is met the same
 * way: the queue releases its disk reserve, drops its oldest readings, and then stays at that size until
 * the disk has room again.
 */
export class ReadingQueue {
  readonly #db: Database.Database;
  readonly #maxReadings: number;
  readonly #reserve: DiskReserve;
  /** Rows in the file, including acknowledged ones whose delete failed. */
  #rows: number;
  #droppedTotal: number;
  /** Acknowledged by the broker but still in the file (the delete failed): never handed out again. */
  readonly #acknowledged = new Set<number>();
  /** Why the last attempt to delete acknowledged readings failed, while some wait. */
  #deleteFailure: Omit<DeleteFailure, "waiting"> | undefined;
  /** Acknowledgements since deletes were last tried. */
  #acksSinceDeleteAttempt = 0;
  /** Acknowledged readings the running transaction dropped: remembered again if it rolls back. */
  #droppedAcknowledged: number[] = [];
  /** While the disk is full: the most readings the queue holds (it reuses the pages it has). */
  #spaceCap: number | undefined;
  readonly #insert: Database.Statement<[string, number, number]>;
  readonly #dropOldest: Database.Statement<[number], { seq: number }>;
  readonly #peek: Database.Statement<[number, number], QueuedReading>;
  readonly #delete: Database.Statement<[number]>;
  readonly #exists: Database.Statement<[number]>;
  readonly #saveDropped: Database.Statement<[number]>;

  private constructor(db: Database.Database, maxReadings: number, reserve: DiskReserve) {
    this.#db = db;
    this.#maxReadings = maxReadings;
    this.#reserve = reserve;
    db.exec(`
      CREATE TABLE IF NOT EXISTS readings (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        payload TEXT NOT NULL,
        reading_time INTEGER NOT NULL,
        queued_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS queue_state (id INTEGER PRIMARY KEY CHECK (id = 1), dropped_total INTEGER NOT NULL);
      INSERT OR IGNORE INTO queue_state (id, dropped_total) VALUES (1, 0);
    `);
    this.#insert = db.prepare("INSERT INTO readings (payload, reading_time, queued_at) VALUES (?, ?, ?)");
    this.#dropOldest = db.prepare(
      "DELETE FROM readings WHERE seq IN (SELECT seq FROM readings ORDER BY seq LIMIT ?) RETURNING seq",
    );
    this.#peek = db.prepare(
      "SELECT seq, payload, reading_time AS readingTime FROM readings WHERE seq > ? ORDER BY seq LIMIT ?",
    );
    this.#delete = db.prepare("DELETE FROM readings WHERE seq = ?");
    this.#exists = db.prepare("SELECT 1 FROM readings WHERE seq = ?").pluck();
    this.#saveDropped = db.prepare("UPDATE queue_state SET dropped_total = ? WHERE id = 1");
    this.#rows = (db.prepare("SELECT count(*) AS n FROM readings").get() as { n: number }).n;
    this.#droppedTotal = (db.prepare("SELECT dropped_total AS n FROM queue_state").get() as { n: number }).n;
  }

  /** Opens (creating if needed) a queue file and takes it exclusively; `maxReadings` is the size limit. */
  static open(path: string, maxReadings: number, options: QueueFileOptions = {}): ReadingQueue {
    if (!Number.isInteger(maxReadings) || maxReadings < 1)
      throw new RangeError("the queue limit must be at least 1");
    mkdirSync(dirname(path), { recursive: true });
    const reserve = new DiskReserve(`${path}.reserve`, DISK_RESERVE_BYTES);
    // Taken while the disk has room, so that a full disk later still leaves room to drop readings.
    reserve.ensure();
    const db = new Database(path, { timeout: 200 });
    try {
      // Exclusive: a second publisher for the same data source would send every reading twice.
      db.pragma("locking_mode = EXCLUSIVE");
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      if (options.maxPages !== undefined) db.pragma(`max_page_count = ${Math.trunc(options.maxPages)}`);
      return new ReadingQueue(db, maxReadings, reserve);
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code === "SQLITE_BUSY") {
        throw new QueueLockedError(`the queue ${path} is in use by another publisher for this data source`);
      }
      throw error;
    }
  }

  /** Readings waiting, including those sent but not yet acknowledged. */
  get size(): number {
    return this.#rows - this.#acknowledged.size;
  }

  /** Readings dropped by the size limit or a full disk over the queue file's life. */
  get droppedTotal(): number {
    return this.#droppedTotal;
  }

  /**
   * Commits a reading; drops the oldest readings first if the queue is full, or if the disk is. Throws
   * QueueDiskFullError when even that cannot make room.
   */
  append(payload: string, readingTime: number): AppendOutcome {
    // Acknowledged readings still on disk are free room: deleting them loses nothing.
    this.#deleteAcknowledged();
    const diskHasRoomAgain = this.#spaceCap !== undefined && this.#reserve.ensure();
    if (diskHasRoomAgain) this.#spaceCap = undefined;
    try {
      const outcome = this.#appendWithinLimits(payload, readingTime);
      if (this.#spaceCap !== undefined) this.#checkpoint();
      return { ...outcome, diskHasRoomAgain };
    } catch (error) {
      if (!isDiskFull(error)) throw error;
    }
    return { ...this.#makeRoomFor(payload, readingTime), diskHasRoomAgain: false };
  }

  /** Up to `limit` readings after `afterSeq`, oldest first; acknowledged ones still on disk are skipped. */
  peekAfter(afterSeq: number, limit: number): QueuedReading[] {
    const waiting: QueuedReading[] = [];
    let after = afterSeq;
    while (waiting.length < limit) {
      const rows = this.#peek.all(after, limit);
      for (const row of rows) {
        if (!this.#acknowledged.has(row.seq) && waiting.length < limit) waiting.push(row);
      }
      const last = rows.at(-1);
      if (last === undefined || rows.length < limit) break;
      after = last.seq;
    }
    return waiting;
  }

  /**
   * Removes an acknowledged reading (a no-op if a drop already removed it). If the delete fails (a full
   * disk), the reading is remembered as acknowledged, never handed out again, and deleted later: the next
   * append and every DELETE_RETRY_EVERY-th acknowledgement try again. The failure is returned for the user
   * to hear about.
   */
  acknowledge(seq: number): DeleteFailure | undefined {
    const failure = this.#acknowledged.size === 0 ? this.#deleteNow(seq) : this.#deleteLater(seq);
    return failure === undefined ? undefined : { ...failure, waiting: this.#acknowledged.size };
  }

  /** Checkpoints and closes the file; everything still queued is there at the next open. */
  close(): void {
    if (!this.#db.open) return;
    this.#deleteAcknowledged();
    this.#db.close();
    // Closing deleted the write-ahead log; on a full disk its space becomes the reserve for the next start.
    if (this.#spaceCap !== undefined) this.#reserve.keepWhatIsFree();
  }

  /** One transaction: drops what the size limit (and a full disk's cap) requires, then inserts. */
  #appendWithinLimits(payload: string, readingTime: number): Omit<AppendOutcome, "diskHasRoomAgain"> {
    const cap = this.#spaceCap;
    return this.#transaction(() => {
      let dropped = 0;
      let droppedForSpace = 0;
      const overLimit = this.size + 1 - this.#maxReadings;
      if (overLimit > 0) dropped = this.#dropOldestReadings(overLimit);
      if (cap !== undefined && this.size + 1 > cap) {
        // A batch at once, so the new readings find whole free pages instead of growing the file.
        droppedForSpace = this.#dropOldestReadings(Math.max(this.size + 1 - cap, this.#roomBatch()));
      }
      const seq = Number(this.#insert.run(payload, readingTime, Date.now()).lastInsertRowid);
      this.#rows++;
      return { seq, dropped, droppedForSpace };
    });
  }

  /** The disk is full: gives SQLite the reserve, then drops the oldest readings until the new one fits. */
  #makeRoomFor(payload: string, readingTime: number): Omit<AppendOutcome, "diskHasRoomAgain"> {
    this.#diskIsFull();
    let droppedForSpace = 0;
    for (;;) {
      try {
        const outcome = this.#appendWithinLimits(payload, readingTime);
        this.#spaceCap = this.size;
        this.#checkpoint();
        return { ...outcome, droppedForSpace: droppedForSpace + outcome.droppedForSpace };
      } catch (error) {
        if (!isDiskFull(error)) throw error;
      }
      if (this.#rows === 0) throw new QueueDiskFullError("nothing in the queue to drop", droppedForSpace);
      try {
        droppedForSpace += this.#transaction(() => this.#dropOldestReadings(this.#roomBatch()));
      } catch (error) {
        if (!isDiskFull(error)) throw error;
        throw new QueueDiskFullError("not even room to drop the oldest readings", droppedForSpace);
      }
      // Room for exactly the new reading: the next attempt must not drop again before it inserts.
      this.#spaceCap = this.size + 1;
      this.#checkpoint();
    }
  }

  /** Readings to drop at once on a full disk: enough to free whole pages, few enough for a small queue. */
  #roomBatch(): number {
    return Math.min(ROOM_BATCH, Math.max(1, Math.ceil((this.#spaceCap ?? this.size) / 4)));
  }

  /** No deletes are waiting: deletes this reading; if that fails, remembers it while it is in the file. */
  #deleteNow(seq: number): Omit<DeleteFailure, "waiting"> | undefined {
    const failure = this.#tryDeletes(() => this.#deleteRows([seq]));
    if (failure === undefined || !this.#stillQueued(seq)) return undefined;
    this.#acknowledged.add(seq);
    return failure;
  }

  /** Deletes failed before: remembers this reading, and tries them all again only now and then. */
  #deleteLater(seq: number): Omit<DeleteFailure, "waiting"> | undefined {
    if (!this.#stillQueued(seq)) return undefined;
    this.#acknowledged.add(seq);
    this.#acksSinceDeleteAttempt++;
    if (this.#acksSinceDeleteAttempt < DELETE_RETRY_EVERY && this.#deleteFailure !== undefined)
      return this.#deleteFailure;
    return this.#deleteAcknowledged();
  }

  /** Deletes the acknowledged readings still on disk; returns why not when that fails. */
  #deleteAcknowledged(): Omit<DeleteFailure, "waiting"> | undefined {
    if (this.#acknowledged.size === 0) return undefined;
    return this.#tryDeletes(() => {
      // One first: where deletes still fail, a failed attempt then costs one statement, not one per reading.
      const [one = 0] = this.#acknowledged;
      this.#deleteRows([one]);
      if (this.#acknowledged.size > 0) this.#deleteRows([...this.#acknowledged]);
    });
  }

  /** Runs `deletes`, once more after a full disk; returns why they failed, or undefined when they went through. */
  #tryDeletes(deletes: () => void): Omit<DeleteFailure, "waiting"> | undefined {
    this.#acksSinceDeleteAttempt = 0;
    let retried = false;
    for (;;) {
      try {
        deletes();
        if (this.#spaceCap !== undefined) this.#checkpoint();
        this.#deleteFailure = undefined;
        return undefined;
      } catch (error) {
        const diskFull = isDiskFull(error);
        // Once more after releasing the reserve and checkpointing: that is what lets a delete through.
        if (diskFull && !retried) {
          retried = true;
          this.#diskIsFull();
          continue;
        }
        this.#deleteFailure = { diskFull, message: diskFull ? "the disk is full" : (error as Error).message };
        return this.#deleteFailure;
      }
    }
  }

  /** Deletes acknowledged readings in one transaction, then forgets them; throws, changing nothing, if that fails. */
  #deleteRows(seqs: readonly number[]): void {
    this.#transaction(() => {
      for (const seq of seqs) this.#rows -= this.#delete.run(seq).changes;
    });
    for (const seq of seqs) this.#acknowledged.delete(seq);
  }

  /** Whether a reading is still in the file (a read, which works on a full disk too). */
  #stillQueued(seq: number): boolean {
    return this.#exists.get(seq) !== undefined;
  }

  /** Drops up to `count` of the oldest rows; returns how many of them were readings not yet acknowledged. */
  #dropOldestReadings(count: number): number {
    let dropped = 0;
    for (const { seq } of this.#dropOldest.all(count)) {
      this.#rows--;
      if (this.#acknowledged.delete(seq)) this.#droppedAcknowledged.push(seq);
      else dropped++;
    }
    if (dropped > 0) {
      this.#droppedTotal += dropped;
      this.#saveDropped.run(this.#droppedTotal);
    }
    return dropped;
  }

  /** Releases the reserve and caps the queue at its size: from now on it reuses the pages it has. */
  #diskIsFull(): void {
    this.#reserve.release();
    this.#checkpoint();
    this.#spaceCap ??= this.size;
  }

  /**
   * Moves the write-ahead log into the file and lets the next write start the log from its beginning, so
   * writes on a full disk reuse the log's space instead of growing it. Failing is harmless: the log stays.
   */
  #checkpoint(): void {
    try {
      this.#db.pragma("wal_checkpoint(RESTART)");
    } catch {
      // Deliberately ignored: a checkpoint that needs room the disk lacks is retried after the next drop.
    }
  }

  /** Runs `work` in one transaction; on failure the in-memory counts and the acknowledged set go back. */
  #transaction<T>(work: () => T): T {
    const before = { rows: this.#rows, droppedTotal: this.#droppedTotal };
    this.#droppedAcknowledged = [];
    try {
      return this.#db.transaction(work)();
    } catch (error) {
      this.#rows = before.rows;
      this.#droppedTotal = before.droppedTotal;
      for (const seq of this.#droppedAcknowledged) this.#acknowledged.add(seq);
      throw error;
    } finally {
      this.#droppedAcknowledged = [];
    }
  }
}
