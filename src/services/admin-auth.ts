import { HubError } from "../domain/hub-error.ts";
import {
  hashAdminPassword,
  randomBase62,
  randomToken,
  tokenDigest,
  verifyAdminPassword,
} from "../platform/secrets.ts";
import type { AdminStore } from "../storage/ports.ts";

/** The one admin account's name. */
export const ADMIN_USERNAME = "admin";

const SESSION_MS = 7 * 24 * 3600 * 1000;

/** An admin account hashed but not yet stored; `generatedPassword` is set when the hub made it up. */
export interface PendingAdmin {
  readonly hash: string;
  readonly generatedPassword: string | undefined;
}

/** Admin login and bearer sessions. Passwords are kept as scrypt hashes, tokens as SHA-256 digests. */
export class AdminAuth {
  constructor(
    private readonly store: AdminStore,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The admin account to create on a first start (AIIDA_HUB_ADMIN_PASSWORD or a generated password,
   * already hashed), or undefined when one exists. Stored by {@link createAdmin} only once the hub is
   * listening: a start that fails later must not leave an account whose password nobody was shown.
   */
  async pendingAdmin(configured: string | undefined): Promise<PendingAdmin | undefined> {
    if (this.store.passwordHash(ADMIN_USERNAME) !== undefined) return undefined;
    const password = configured ?? randomBase62(20);
    return {
      hash: await hashAdminPassword(password),
      generatedPassword: configured === undefined ? password : undefined,
    };
  }

  createAdmin(pending: PendingAdmin): void {
    this.store.setPasswordHash(ADMIN_USERNAME, pending.hash);
  }

  /** Checks the credentials and opens a session; the token is returned here only. */
  async login(username: string, password: string): Promise<{ token: string; expiresAt: number }> {
    const hash = this.store.passwordHash(username);
    // Hash even for an unknown user, so response time does not tell which usernames exist.
    const ok = await verifyAdminPassword(password, hash ?? DUMMY_HASH);
    if (!hash || !ok) throw new HubError("UNAUTHENTICATED", "Wrong username or password.");
    const token = randomToken();
    const expiresAt = this.now() + SESSION_MS;
    this.store.createSession(tokenDigest(token), username, expiresAt);
    return { token, expiresAt };
  }

  /** The user a token belongs to, or undefined when it is unknown or expired. */
  userOf(token: string): string | undefined {
    return this.store.sessionUser(tokenDigest(token), this.now());
  }

  logout(token: string): void {
    this.store.deleteSession(tokenDigest(token));
  }
}

// A valid scrypt hash of a random string, so unknown usernames cost as much as known ones.
const DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
