import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";

/** A reading waiting in the queue: its payload exactly as it will be published. */
export interface QueuedReading {
  /** Position in the queue; increases with every append and is never reused. */
  readonly seq: number;
  readonly payload: string;
  /** The reading's own time, epoch ms. */
  readonly readingTime: number;
}

/** What an append did: the new reading's seq, and how many of the oldest readings made room for it. */
export interface AppendOutcome {
  readonly seq: number;
  readonly dropped: number;
}

/** Thrown when another process holds the queue (a second publisher for the same data source). */
export class QueueLockedError extends Error {}

/** Path prefix of a data source's files in a state directory (characters unsafe in file names become "_"). */
export function stateFilePrefix(stateDir: string, dataSourceId: string): string {
  return join(stateDir, dataSourceId.replace(/[^A-Za-z0-9._-]/g, "_"));
}

/** The queue file of a data source in a state directory. */
export function queueFilePath(stateDir: string, dataSourceId: string): string {
  return `${stateFilePrefix(stateDir, dataSourceId)}.queue.sqlite`;
}

/**
 * The on-disk queue between reading and publishing. Every reading is committed (WAL, synchronous=FULL)
 * before anyone tries to send it and is deleted only once the broker acknowledged it, so a crash or a
 * kill loses nothing that was read. When full, the oldest readings are dropped to make room: the newest
 * data is worth most to a live hub, and the drop is counted and reported.
 */
export class ReadingQueue {
  readonly #db: Database.Database;
  readonly #maxReadings: number;
  #size: number;
  #droppedTotal: number;
  readonly #insert: Database.Statement<[string, number, number]>;
  readonly #dropOldest: Database.Statement<[number]>;
  readonly #peek: Database.Statement<[number, number], QueuedReading>;
  readonly #delete: Database.Statement<[number]>;
  readonly #saveDropped: Database.Statement<[number]>;

  private constructor(db: Database.Database, maxReadings: number) {
    this.#db = db;
    this.#maxReadings = maxReadings;
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
      "DELETE FROM readings WHERE seq IN (SELECT seq FROM readings ORDER BY seq LIMIT ?)",
    );
    this.#peek = db.prepare(
      "SELECT seq, payload, reading_time AS readingTime FROM readings WHERE seq > ? ORDER BY seq LIMIT ?",
    );
    this.#delete = db.prepare("DELETE FROM readings WHERE seq = ?");
    this.#saveDropped = db.prepare("UPDATE queue_state SET dropped_total = ? WHERE id = 1");
    this.#size = (db.prepare("SELECT count(*) AS n FROM readings").get() as { n: number }).n;
    this.#droppedTotal = (db.prepare("SELECT dropped_total AS n FROM queue_state").get() as { n: number }).n;
  }

  /** Opens (creating if needed) a queue file and takes it exclusively; `maxReadings` is the size limit. */
  static open(path: string, maxReadings: number): ReadingQueue {
    if (!Number.isInteger(maxReadings) || maxReadings < 1)
      throw new RangeError("the queue limit must be at least 1");
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { timeout: 200 });
    try {
      // Exclusive: a second publisher for the same data source would send every reading twice.
      db.pragma("locking_mode = EXCLUSIVE");
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      return new ReadingQueue(db, maxReadings);
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
    return this.#size;
  }

  /** Readings dropped by the size limit over the queue file's life. */
  get droppedTotal(): number {
    return this.#droppedTotal;
  }

  /** Commits a reading; drops the oldest readings first if the queue is full. */
  append(payload: string, readingTime: number): AppendOutcome {
    return this.#db.transaction((): AppendOutcome => {
      const excess = this.#size + 1 - this.#maxReadings;
      let dropped = 0;
      if (excess > 0) {
        dropped = this.#dropOldest.run(excess).changes;
        this.#droppedTotal += dropped;
        this.#saveDropped.run(this.#droppedTotal);
      }
      const seq = Number(this.#insert.run(payload, readingTime, Date.now()).lastInsertRowid);
      this.#size += 1 - dropped;
      return { seq, dropped };
    })();
  }

  /** Up to `limit` readings after `afterSeq`, oldest first. */
  peekAfter(afterSeq: number, limit: number): QueuedReading[] {
    return this.#peek.all(afterSeq, limit);
  }

  /** Removes an acknowledged reading (a no-op if the size limit already dropped it). */
  acknowledge(seq: number): void {
    this.#size -= this.#delete.run(seq).changes;
  }

  /** Checkpoints and closes the file; everything still queued is there at the next open. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
