import Database from "better-sqlite3";

type Done = (error: Error | null) => void;

/**
 * The least a broker must do before it may acknowledge a message it promises to keep: append it to a
 * file and fsync. SQLite in WAL mode with synchronous = FULL, as the hub commits; group commit on the
 * broker's own thread (no second thread), so this is a floor for the hub's acknowledgement latency.
 */
export class DurableLog {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private pending: { topic: string; payload: Buffer; done: Done }[] = [];

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.exec("CREATE TABLE IF NOT EXISTS message (topic TEXT NOT NULL, payload BLOB NOT NULL)");
    this.insert = this.db.prepare("INSERT INTO message (topic, payload) VALUES (?, ?)");
  }

  /** Calls `done` once the message is committed with the others read in the same event-loop turn. */
  append(topic: string, payload: Buffer, done: Done): void {
    if (this.pending.length === 0) setImmediate(() => this.commit());
    this.pending.push({ topic, payload, done });
  }

  private commit(): void {
    const batch = this.pending;
    this.pending = [];
    try {
      this.db.transaction(() => {
        for (const m of batch) this.insert.run(m.topic, m.payload);
      })();
    } catch (err) {
      for (const m of batch) m.done(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    for (const m of batch) m.done(null);
  }
}
