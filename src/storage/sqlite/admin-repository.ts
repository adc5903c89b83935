import type Database from "better-sqlite3";
import type { AdminStore } from "../ports.ts";
import { inRequestTransaction } from "./write-transaction.ts";

const UPSERT_PASSWORD = `INSERT INTO admin_user (username, password_hash) VALUES (?, ?)
  ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash`;

/** The admin account (a slow password hash) and its sessions (token digests only) in SQLite. */
export class SqliteAdminStore implements AdminStore {
  constructor(private readonly db: Database.Database) {}

  async passwordHash(username: string): Promise<string | undefined> {
    const row = this.db.prepare("SELECT password_hash FROM admin_user WHERE username = ?").get(username) as
      | { password_hash: string }
      | undefined;
    return row?.password_hash;
  }

  async setPasswordHash(username: string, hash: string): Promise<void> {
    inRequestTransaction(this.db, () => this.db.prepare(UPSERT_PASSWORD).run(username, hash));
  }

  async createSession(tokenDigest: string, username: string, expiresAt: number): Promise<void> {
    inRequestTransaction(this.db, () =>
      this.db
        .prepare("INSERT INTO admin_session (token_digest, username, expires_at) VALUES (?, ?, ?)")
        .run(tokenDigest, username, expiresAt),
    );
  }

  async sessionUser(tokenDigest: string, now: number): Promise<string | undefined> {
    const row = this.db
      .prepare("SELECT username FROM admin_session WHERE token_digest = ? AND expires_at > ?")
      .get(tokenDigest, now) as { username: string } | undefined;
    return row?.username;
  }

  async deleteSession(tokenDigest: string): Promise<void> {
    inRequestTransaction(this.db, () =>
      this.db.prepare("DELETE FROM admin_session WHERE token_digest = ?").run(tokenDigest),
    );
  }

  async replacePassword(username: string, hash: string, keepSession: string | undefined): Promise<number> {
    return inRequestTransaction(this.db, () => {
      this.db.prepare(UPSERT_PASSWORD).run(username, hash);
      // IS NOT: with no session to keep (NULL) every session of the user goes.
      return this.db
        .prepare("DELETE FROM admin_session WHERE username = ? AND token_digest IS NOT ?")
        .run(username, keepSession ?? null).changes;
    });
  }
}
