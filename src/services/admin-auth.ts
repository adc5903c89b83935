import { HubError } from "../domain/hub-error.ts";
import type { Logger } from "../platform/logger.ts";
import {
  hashAdminPassword,
  randomBase62,
  randomToken,
  tokenDigest,
  verifyAdminPassword,
} from "../platform/secrets.ts";
import type { AdminStore } from "../storage/ports.ts";
import { type LockStarted, LoginThrottle } from "./login-throttle.ts";

/** The one admin account's name. */
export const ADMIN_USERNAME = "admin";

const SESSION_MS = 7 * 24 * 3600 * 1000;

/** Fewest characters of an admin password a person chooses (the API's rule for a new one). */
export const MIN_ADMIN_PASSWORD_LENGTH = 12;

/** Characters of a password the hub makes up (base62: about 119 bits). */
const GENERATED_PASSWORD_LENGTH = 20;

/** A new admin password as the hub makes one up: on the first start and by reset-admin-password. */
export function generateAdminPassword(): string {
  return randomBase62(GENERATED_PASSWORD_LENGTH);
}

/** An admin account hashed but not yet stored; `generatedPassword` is set when the hub made it up. */
export interface PendingAdmin {
  readonly hash: string;
  readonly generatedPassword: string | undefined;
}

/** Admin login and bearer sessions. Passwords are kept as scrypt hashes, tokens as SHA-256 digests. */
export class AdminAuth {
  private readonly throttle: LoginThrottle;

  constructor(
    private readonly store: AdminStore,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.throttle = new LoginThrottle(now);
  }

  /**
   * The admin account to create on a first start (AIIDA_HUB_ADMIN_PASSWORD or a generated password,
   * already hashed), or undefined when one exists. Stored by {@link createAdmin} only once the hub is
   * listening: a start that fails later must not leave an account whose password nobody was shown.
   */
  async pendingAdmin(configured: string | undefined): Promise<PendingAdmin | undefined> {
    if ((await this.store.passwordHash(ADMIN_USERNAME)) !== undefined) {
      // The variable only sets the first password; silently ignoring it later would leave a person guessing.
      if (configured !== undefined) {
        this.logger.warn(
          "AIIDA_HUB_ADMIN_PASSWORD is ignored: the admin account exists already and keeps its password",
        );
      }
      return undefined;
    }
    const password = configured ?? generateAdminPassword();
    return {
      hash: await hashAdminPassword(password),
      generatedPassword: configured === undefined ? password : undefined,
    };
  }

  async createAdmin(pending: PendingAdmin): Promise<void> {
    await this.store.setPasswordHash(ADMIN_USERNAME, pending.hash);
  }

  /**
   * Checks the credentials and opens a session; the token is returned here only. Repeated failures
   * from one address, or against one account, make the next try wait (TOO_MANY_REQUESTS) before any
   * password is checked.
   */
  async login(
    username: string,
    password: string,
    address: string,
  ): Promise<{ token: string; expiresAt: number }> {
    const account = username.slice(0, MAX_ACCOUNT_KEY);
    const verdict = this.throttle.check(address, account);
    if (verdict) throw throttled(verdict.retryAfterMs);
    // Counted as failed before the slow hash and cleared on success, so guesses sent in parallel
    // cannot all pass the check while the first ones are still being hashed.
    const lock = this.throttle.failed(address, account);
    const hash = await this.store.passwordHash(username);
    // Hash even for an unknown user, so response time does not tell which usernames exist.
    const ok = await verifyAdminPassword(password, hash ?? DUMMY_HASH);
    if (!hash || !ok) {
      this.logger.warn("admin login failed", { address, username: account });
      if (lock) this.logThrottled(address, account, lock);
      throw new HubError("UNAUTHENTICATED", "Wrong username or password.");
    }
    this.throttle.succeeded(address, account);
    const token = randomToken();
    const expiresAt = this.now() + SESSION_MS;
    await this.store.createSession(tokenDigest(token), username, expiresAt);
    return { token, expiresAt };
  }

  /**
   * Changes the password of the session's user once `current` proves it is theirs, and ends every
   * other session of that user (this one stays). `next` has passed the API's rules already. A wrong
   * `current` counts towards the login throttle as a failed login from `address` would, so a stolen
   * session cannot be used to guess the password faster than the login page allows.
   */
  async changePassword(
    session: { readonly token: string; readonly user: string },
    current: string,
    next: string,
    address: string,
  ): Promise<void> {
    const account = session.user.slice(0, MAX_ACCOUNT_KEY);
    const verdict = this.throttle.check(address, account);
    if (verdict) {
      throw HubError.tooManyRequests(
        (seconds) => `Too many wrong passwords; try again in ${seconds} s.`,
        verdict.retryAfterMs,
      );
    }
    // Counted before the slow hash, as for a login: parallel guesses cannot all pass the check.
    const lock = this.throttle.failed(address, account);
    const hash = await this.store.passwordHash(session.user);
    if (!hash || !(await verifyAdminPassword(current, hash))) {
      this.logger.warn("admin password change refused: wrong current password", {
        address,
        username: account,
      });
      if (lock) this.logThrottled(address, account, lock);
      throw new HubError("FORBIDDEN", "The current password is wrong, so the password was not changed.", [
        { path: "currentPassword", reason: "is not the current password" },
      ]);
    }
    this.throttle.succeeded(address, account);
    const ended = await this.store.replacePassword(
      session.user,
      await hashAdminPassword(next),
      tokenDigest(session.token),
    );
    this.logger.info("admin password changed", { username: account, address, otherSessionsEnded: ended });
  }

  /** The user a token belongs to, or undefined when it is unknown or expired. */
  async userOf(token: string): Promise<string | undefined> {
    return await this.store.sessionUser(tokenDigest(token), this.now());
  }

  async logout(token: string): Promise<void> {
    await this.store.deleteSession(tokenDigest(token));
  }

  private logThrottled(address: string, account: string, lock: LockStarted): void {
    this.logger.warn("admin logins throttled", {
      address,
      username: account,
      limitedBy: lock.limitedBy,
      failures: lock.failures,
      retryAfterSeconds: Math.ceil(lock.retryAfterMs / 1000),
    });
  }
}

/** Longest username kept as a throttle key or logged; longer ones are cut (they match no account anyway). */
const MAX_ACCOUNT_KEY = 64;

function throttled(retryAfterMs: number): HubError {
  return HubError.tooManyRequests(
    (seconds) => `Too many failed logins; try again in ${seconds} s.`,
    retryAfterMs,
  );
}

// A valid scrypt hash of a random string, so unknown usernames cost as much as known ones.
const DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
