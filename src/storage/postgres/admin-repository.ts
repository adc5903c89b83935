import type { AdminStore } from "../ports.ts";
import { inTransaction, type PgPool } from "./pg-pool.ts";
import { inRequest } from "./request-errors.ts";

const UPSERT_PASSWORD = `INSERT INTO admin_user (username, password_hash) VALUES ($1, $2)
  ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash`;

/** The admin account (a slow password hash) and its sessions (token digests only) in PostgreSQL. */
export class PgAdminStore implements AdminStore {
  constructor(private readonly pool: PgPool) {}

  passwordHash(username: string): Promise<string | undefined> {
    return inRequest(async () => {
      const result = await this.pool.query<{ password_hash: string }>(
        "SELECT password_hash FROM admin_user WHERE username = $1",
        [username],
      );
      return result.rows[0]?.password_hash;
    });
  }

  setPasswordHash(username: string, hash: string): Promise<void> {
    return inRequest(async () => {
      await this.pool.query(UPSERT_PASSWORD, [username, hash]);
    });
  }

  createSession(tokenDigest: string, username: string, expiresAt: number): Promise<void> {
    return inRequest(async () => {
      await this.pool.query(
        "INSERT INTO admin_session (token_digest, username, expires_at) VALUES ($1, $2, $3)",
        [tokenDigest, username, new Date(expiresAt)],
      );
    });
  }

  sessionUser(tokenDigest: string, now: number): Promise<string | undefined> {
    return inRequest(async () => {
      const result = await this.pool.query<{ username: string }>(
        "SELECT username FROM admin_session WHERE token_digest = $1 AND expires_at > $2",
        [tokenDigest, new Date(now)],
      );
      return result.rows[0]?.username;
    });
  }

  deleteSession(tokenDigest: string): Promise<void> {
    return inRequest(async () => {
      await this.pool.query("DELETE FROM admin_session WHERE token_digest = $1", [tokenDigest]);
    });
  }

  replacePassword(username: string, hash: string, keepSession: string | undefined): Promise<number> {
    return inRequest(async () => {
      return inTransaction(this.pool, async (client) => {
        await client.query(UPSERT_PASSWORD, [username, hash]);
        // IS DISTINCT FROM: with no session to keep (NULL) every session of the user goes.
        const ended = await client.query(
          "DELETE FROM admin_session WHERE username = $1 AND token_digest IS DISTINCT FROM $2",
          [username, keepSession ?? null],
        );
        return ended.rowCount ?? 0;
      });
    });
  }
}
