import { hashAdminPassword } from "../platform/secrets.ts";
import type { AdminStore } from "../storage/ports.ts";
import { ADMIN_USERNAME, generateAdminPassword } from "./admin-auth.ts";

/** What a reset did: the new password (to be shown once, never stored or logged) and the sessions it ended. */
export interface AdminPasswordReset {
  readonly password: string;
  readonly sessionsEnded: number;
}

/**
 * Gives the admin account a new generated password and logs out every one of its sessions, for the
 * person at the hub's machine who no longer knows the password. Creates the account if a start failed
 * before it was stored; the next start then keeps this password.
 */
export async function resetAdminPassword(store: AdminStore): Promise<AdminPasswordReset> {
  const password = generateAdminPassword();
  const sessionsEnded = await store.replacePassword(
    ADMIN_USERNAME,
    await hashAdminPassword(password),
    undefined,
  );
  return { password, sessionsEnded };
}
