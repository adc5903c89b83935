import { createHash, randomBytes, randomInt, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A random base62 string from a CSPRNG (uniform: randomInt avoids modulo bias). */
export function randomBase62(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += BASE62[randomInt(BASE62.length)];
  return out;
}

/** A random opaque token for bearer authentication (256 bits, URL-safe). */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** SHA-256 of a token, hex; tokens are looked up by this so the database never holds them. */
export function tokenDigest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * A device password hash as EMQX's password-based authenticator reads it with
 * `password_hash_algorithm {name = sha256, salt_position = prefix}`: hex(sha256(salt ‖ password)).
 */
export interface DevicePasswordHash {
  readonly hash: string;
  readonly salt: string;
}

/** Hashes a generated device password with a fresh 16-byte salt. */
export function hashDevicePassword(password: string): DevicePasswordHash {
  const salt = randomBytes(16).toString("hex");
  return { salt, hash: sha256Hex(salt + password) };
}

/** Checks a device password in constant time. */
export function verifyDevicePassword(password: string, stored: DevicePasswordHash): boolean {
  const actual = Buffer.from(sha256Hex(stored.salt + password), "hex");
  const expected = Buffer.from(stored.hash, "hex");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function sha256Hex(input: string): string {
  return createHash("sha256").update(input, "utf8").digest("hex");
}

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

const SCRYPT = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** Hashes a human-chosen password slowly (scrypt), as `scrypt$N$r$p$salt$hash` in base64url. */
export async function hashAdminPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, 32, SCRYPT);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64url"), key.toString("base64url")].join(
    "$",
  );
}

/** Verifies a password against hashAdminPassword()'s output in constant time. */
export async function verifyAdminPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const key = await scryptAsync(password, Buffer.from(salt, "base64url"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(key, expected);
}
