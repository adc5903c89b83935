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

/** Admin login and bearer sessions. Passwords are kept as scrypt hashes, tokens as SHA-256 digests. */
export class AdminAuth {
  constructor(
    private readonly store: AdminStore,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Makes sure the admin account exists. Returns the generated password when one had to be made up
   * (first start without AIIDA_HUB_ADMIN_PASSWORD), so the caller can show it once.
   */
  async ensureAdmin(configured: string | undefined): Promise<string | undefined> {
    if (this.store.passwordHash(ADMIN_USERNAME) !== undefined) return undefined;
    const password = configured ?? randomBase62(20);
    this.store.setPasswordHash(ADMIN_USERNAME, await hashAdminPassword(password));
    return configured === undefined ? password : undefined;
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
