import { api } from "./api.ts";

/** Not a secret: only whether this browser logged in, so a fresh visit skips a request bound to fail. */
const HINT_KEY = "aiida-hub.signed-in";

/** Whether this browser probably holds a session cookie (HttpOnly, so script cannot see it). */
export function probablySignedIn(): boolean {
  return localStorage.getItem(HINT_KEY) === "1";
}

/** Logs in; the hub sets the HttpOnly session cookie that every later call carries. */
export async function login(username: string, password: string): Promise<void> {
  await api("POST", "/auth/login", { username, password });
  localStorage.setItem(HINT_KEY, "1");
}

/** Logs out and forgets the hint, even if the hub cannot be reached. */
export async function logout(): Promise<void> {
  forgetSession();
  await api("POST", "/auth/logout").catch(() => {});
}

/** Forgets the hint (the session ended or was never there). */
export function forgetSession(): void {
  localStorage.removeItem(HINT_KEY);
}

/** The logged-in user, or undefined if the session has ended. */
export async function currentUser(): Promise<string | undefined> {
  if (!probablySignedIn()) return undefined;
  try {
    const me = await api<{ username: string | undefined }>("GET", "/auth/me");
    return me.username;
  } catch {
    return undefined;
  }
}
